//! The byte-level parts of the fast path: positioned reads, one-shot inflate (libdeflate or
//! zlib-rs) and undoing TIFF horizontal differencing.

use std::fs::File;

/// Inflates one zlib stream into `out` in one call; returns the bytes written.
#[cfg(feature = "libdeflate")]
pub(super) fn inflate(packed: &[u8], out: &mut [u8]) -> Result<usize, String> {
    use std::cell::RefCell;
    thread_local! {
        static INFLATER: RefCell<libdeflater::Decompressor> =
            RefCell::new(libdeflater::Decompressor::new());
    }
    INFLATER.with(|d| {
        d.borrow_mut()
            .zlib_decompress(packed, out)
            .map_err(|e| e.to_string())
    })
}

/// Inflates one zlib stream into `out` in one call; returns the bytes written. A stream longer
/// than `out` (a padded last strip) is cut at `out.len()`.
#[cfg(not(feature = "libdeflate"))]
pub(super) fn inflate(packed: &[u8], out: &mut [u8]) -> Result<usize, String> {
    let mut z = flate2::Decompress::new(true);
    z.decompress(packed, out, flate2::FlushDecompress::Finish)
        .map_err(|e| e.to_string())?;
    Ok(usize::try_from(z.total_out()).unwrap_or(0))
}

#[cfg(unix)]
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
pub(super) fn read_exact_at(
    file: &File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Undoes TIFF horizontal differencing (`Predictor` = 2) on 8-bit rows of `spp` samples a pixel.
pub(super) fn undo_differencing(data: &mut [u8], row_len: usize, spp: usize) {
    for row in data.chunks_exact_mut(row_len) {
        match spp {
            3 => accumulate::<3>(row),
            4 => accumulate::<4>(row),
            1 => accumulate::<1>(row),
            2 => accumulate::<2>(row),
            _ => {
                for i in spp..row.len() {
                    row[i] = row[i].wrapping_add(row[i - spp]);
                }
            }
        }
    }
}

/// Copies `src` to `dst` (same length), undoing differencing on the way.
pub(super) fn accumulate_into(src: &[u8], dst: &mut [u8], spp: usize) {
    fn fixed<const N: usize>(src: &[u8], dst: &mut [u8]) {
        let mut acc = [0u8; N];
        for (s, d) in src.chunks_exact(N).zip(dst.chunks_exact_mut(N)) {
            for k in 0..N {
                acc[k] = acc[k].wrapping_add(s[k]);
                d[k] = acc[k];
            }
        }
    }
    match spp {
        3 => fixed::<3>(src, dst),
        4 => fixed::<4>(src, dst),
        1 => fixed::<1>(src, dst),
        _ => {
            for i in 0..dst.len() {
                dst[i] = if i < spp {
                    src[i]
                } else {
                    dst[i - spp].wrapping_add(src[i])
                };
            }
        }
    }
}

fn accumulate<const N: usize>(row: &mut [u8]) {
    let mut acc = [0u8; N];
    for px in row.chunks_exact_mut(N) {
        for (a, v) in acc.iter_mut().zip(px.iter_mut()) {
            *a = a.wrapping_add(*v);
            *v = *a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differencing_is_undone_per_row_and_sample() {
        // Two rows of two RGB pixels: (10,20,30) then +(1,2,3); row 2 restarts.
        let mut rows = [10, 20, 30, 1, 2, 3, 5, 6, 7, 255, 1, 0];
        undo_differencing(&mut rows, 6, 3);
        assert_eq!(rows, [10, 20, 30, 11, 22, 33, 5, 6, 7, 4, 7, 7]);
        let mut gray = [1u8, 1, 1, 1, 2, 2];
        undo_differencing(&mut gray, 3, 1);
        assert_eq!(gray, [1, 2, 3, 1, 3, 5]);
        let mut five = [1u8, 2, 3, 4, 5, 1, 1, 1, 1, 1];
        undo_differencing(&mut five, 10, 5);
        assert_eq!(five, [1, 2, 3, 4, 5, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn copying_undoes_differencing_like_in_place() {
        for spp in [1, 2, 3, 4, 5] {
            let src: Vec<u8> = (0..60u8).map(|i| i.wrapping_mul(37)).collect();
            let mut in_place = src.clone();
            undo_differencing(&mut in_place, 60, spp);
            let mut copied = vec![0; 60];
            accumulate_into(&src, &mut copied, spp);
            assert_eq!(copied, in_place, "{spp} samples a pixel");
        }
    }
}
