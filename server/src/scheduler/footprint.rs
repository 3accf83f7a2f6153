//! Tile pixel → WGS84, from the four corner positions of a task's footprint.

/// Maps a position in tile pixels to `[lon, lat]` by bilinear interpolation between the
/// footprint corners of pixel corners (0,0), (W,0), (W,H), (0,H).
///
/// Exact for north-up frames in any CRS whose tiles are small enough for the projection to be
/// locally affine (tiles are a few hundred metres across).
///
/// ```
/// use tessera_server::scheduler::footprint::pixel_to_lonlat;
/// let corners = [[10.0, 50.0], [11.0, 50.0], [11.0, 49.0], [10.0, 49.0]];
/// assert_eq!(pixel_to_lonlat(&corners, 256.0, 256.0, 128.0, 64.0), [10.5, 49.75]);
/// ```
#[expect(
    clippy::many_single_char_names,
    reason = "the usual names of bilinear interpolation"
)]
pub fn pixel_to_lonlat(
    corners: &[[f64; 2]; 4],
    width: f64,
    height: f64,
    x: f64,
    y: f64,
) -> [f64; 2] {
    let u = x / width;
    let v = y / height;
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    let lon = w.iter().zip(corners).map(|(w, c)| w * c[0]).sum();
    let lat = w.iter().zip(corners).map(|(w, c)| w * c[1]).sum();
    [lon, lat]
}
