//! Geometry: tile pixels to WGS84, a local metric projection of WGS84, and convex
//! quadrilaterals (task footprints).
//!
//! Consensus clusters in metres. A campaign covers a city (tens of km at most), so an
//! equirectangular projection around the campaign's centroid is enough: its scale error is
//! about `Δlat · tan(lat)` (≈ 0.1 % over 10 km at 36° N), far below volunteers' click noise.
//! Because this projection is affine in (lon, lat), bilinear interpolation of a footprint
//! commutes with it: interpolating the projected corners gives the projected interpolation.

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Equirectangular projection around `(lon0, lat0)`: metres east and north of the centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LocalProjection {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalProjection {
    pub(crate) fn new(lon0: f64, lat0: f64) -> Self {
        // Metres per degree of arc.
        let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        Self {
            lon0,
            lat0,
            kx: ky * lat0.to_radians().cos(),
            ky,
        }
    }

    pub(crate) fn forward(&self, [lon, lat]: [f64; 2]) -> [f64; 2] {
        [(lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky]
    }

    pub(crate) fn inverse(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        [self.lon0 + x / self.kx, self.lat0 + y / self.ky]
    }
}

/// A convex quadrilateral in the plane, corners in footprint order (either orientation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quad(pub(crate) [[f64; 2]; 4]);

impl Quad {
    /// An axis-aligned rectangle `[x0, x0+w] × [y0, y0+h]` in footprint corner order.
    pub(crate) fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Self {
        Quad([[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h]])
    }

    /// Shoelace area (absolute).
    pub(crate) fn area(&self) -> f64 {
        let c = &self.0;
        let mut s = 0.0;
        for i in 0..4 {
            let (a, b) = (c[i], c[(i + 1) % 4]);
            s += a[0] * b[1] - b[0] * a[1];
        }
        (s / 2.0).abs()
    }

    pub(crate) fn bbox(&self) -> ([f64; 2], [f64; 2]) {
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for p in &self.0 {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        (lo, hi)
    }

    /// Whether `p` lies inside or on the boundary (a small tolerance absorbs rounding).
    pub(crate) fn contains(&self, p: [f64; 2]) -> bool {
        let c = &self.0;
        let scale = self.area().sqrt().max(1e-12);
        let (mut pos, mut neg) = (false, false);
        for i in 0..4 {
            let (a, b) = (c[i], c[(i + 1) % 4]);
            let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
            let tol = 1e-9 * scale * scale;
            if cross > tol {
                pos = true;
            } else if cross < -tol {
                neg = true;
            }
        }
        !(pos && neg)
    }
}

/// WGS84 `[lon, lat]` of pixel `(x, y)` in a `width × height` tile whose pixel corners
/// (0,0), (W,0), (W,H), (0,H) lie at `corners`, by **bilinear interpolation** with `u = x/W`,
/// `v = y/H`: `P = (1-u)(1-v)·C₀ + u(1-v)·C₁ + u·v·C₂ + (1-u)·v·C₃`.
///
/// Exact for any affine georeference (north-up or rotated tiles: the footprint is a
/// parallelogram) and a close approximation for a mildly projective one; tiles are a few hundred
/// metres across, so any CRS is locally affine over one. The same map applies to corners already
/// in the metric plane, since the local projection is affine too: this is the one pixel → plane
/// projection of the crate and of the server.
///
/// ```
/// use tessera_consensus::pixel_to_lonlat;
/// let corners = [[10.0, 50.0], [11.0, 50.0], [11.0, 49.0], [10.0, 49.0]];
/// assert_eq!(pixel_to_lonlat(&corners, 256.0, 256.0, 128.0, 64.0), [10.5, 49.75]);
/// ```
#[must_use]
#[expect(
    clippy::many_single_char_names,
    reason = "the usual notation for bilinear interpolation"
)]
pub fn pixel_to_lonlat(
    corners: &[[f64; 2]; 4],
    width: f64,
    height: f64,
    x: f64,
    y: f64,
) -> [f64; 2] {
    let (u, v) = (x / width, y / height);
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    let mut p = [0.0; 2];
    for (wi, ci) in w.iter().zip(corners) {
        p[0] += wi * ci[0];
        p[1] += wi * ci[1];
    }
    p
}

/// Squared Euclidean distance.
pub(crate) fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    dx * dx + dy * dy
}

/// One pass over the points at `m`: the objective `Σ w·|p − m|`, the Weiszfeld point, and the
/// Newton point (`None` where the Hessian is singular: points collinear with `m`).
#[expect(
    clippy::many_single_char_names,
    reason = "the usual notation: objective f, gradient g, Hessian h, distance d"
)]
fn median_pass(points: &[([f64; 2], f64)], m: [f64; 2]) -> (f64, [f64; 2], Option<[f64; 2]>) {
    let (mut f, mut num, mut den) = (0.0, [0.0; 2], 0.0);
    let (mut g, mut h) = ([0.0; 2], [0.0; 3]);
    for &(p, w) in points {
        let (dx, dy) = (m[0] - p[0], m[1] - p[1]);
        let d = (dx * dx + dy * dy).sqrt().max(1e-9);
        let a = w / d;
        f += w * d;
        num[0] += a * p[0];
        num[1] += a * p[1];
        den += a;
        // Gradient a·(m − p) and Hessian a·(I − u·uᵀ), u = (m − p) / d.
        g[0] += a * dx;
        g[1] += a * dy;
        let b = a / (d * d);
        h[0] += a - b * dx * dx;
        h[1] -= b * dx * dy;
        h[2] += a - b * dy * dy;
    }
    let weiszfeld = [num[0] / den, num[1] / den];
    let det = h[0] * h[2] - h[1] * h[1];
    let trace = h[0] + h[2];
    let newton = (det > 1e-9 * trace * trace).then(|| {
        [
            m[0] - (h[2] * g[0] - h[1] * g[1]) / det,
            m[1] - (h[0] * g[1] - h[1] * g[0]) / det,
        ]
    });
    (f, weiszfeld, newton)
}

/// The data point nearest `m` if it is the median: the pull of the other points,
/// `|Σ w·(p − pₖ)/|p − pₖ||`, does not exceed its own weight (points equal to it add up).
fn vertex_median(points: &[([f64; 2], f64)], m: [f64; 2]) -> Option<[f64; 2]> {
    let (pk, _) = points
        .iter()
        .min_by(|a, b| dist2(a.0, m).total_cmp(&dist2(b.0, m)))?;
    let (mut pull, mut own) = ([0.0; 2], 0.0);
    for &(p, w) in points {
        let d = dist2(p, *pk).sqrt();
        if d == 0.0 {
            own += w;
        } else {
            pull[0] += w * (p[0] - pk[0]) / d;
            pull[1] += w * (p[1] - pk[1]) / d;
        }
    }
    (pull[0].hypot(pull[1]) <= own).then_some(*pk)
}

/// Weighted geometric median (weighted mean for ≤ 2 points).
///
/// Newton's method on `Σ w·|p − m|` from the weighted mean, safeguarded by Weiszfeld's
/// iteration: a Newton step that does not lower the objective is replaced by the Weiszfeld step
/// from the same point (which always does), as is one where the Hessian is singular. When
/// Newton fails, the median may be a data point, where the objective is not smooth: the
/// nearest data point is then tested directly. Newton converges quadratically, so a handful
/// of passes replace Weiszfeld's dozens. Stops when a step is under a micrometre (or
/// micro-pixel), far below click noise.
pub(crate) fn geometric_median(points: &[([f64; 2], f64)]) -> [f64; 2] {
    let total: f64 = points.iter().map(|(_, w)| w).sum();
    let mut m = [0.0; 2];
    for (p, w) in points {
        m[0] += p[0] * w / total;
        m[1] += p[1] * w / total;
    }
    if points.len() <= 2 {
        return m;
    }
    // The last point whose objective was accepted, its objective and its Weiszfeld point.
    let mut accepted: ([f64; 2], f64, [f64; 2]) = (m, f64::INFINITY, m);
    for _ in 0..64 {
        let (f, weiszfeld, newton) = median_pass(points, m);
        let (from, next) = if f > accepted.1 {
            // The Newton step from the accepted point went uphill.
            if let Some(v) = vertex_median(points, accepted.0) {
                return v;
            }
            (accepted.0, accepted.2)
        } else {
            accepted = (m, f, weiszfeld);
            if let Some(n) = newton {
                (m, n)
            } else {
                if let Some(v) = vertex_median(points, m) {
                    return v;
                }
                (m, weiszfeld)
            }
        };
        if dist2(next, from) < 1e-12 {
            return next;
        }
        m = next;
    }
    accepted.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain Weiszfeld, run to convergence: the reference for [`geometric_median`].
    fn weiszfeld(points: &[([f64; 2], f64)]) -> [f64; 2] {
        let mut m = [0.5, 0.25];
        for _ in 0..100_000 {
            let (_, next, _) = median_pass(points, m);
            m = next;
        }
        m
    }

    #[test]
    fn geometric_median_matches_converged_weiszfeld() {
        // Deterministic pseudo-random sets: clusters, collinear points, a repeated point.
        let mut rnd = crate::test_rng::uniform(0x9e37_79b9_7f4a_7c15);
        for n in 3..12 {
            for _ in 0..50 {
                let pts: Vec<([f64; 2], f64)> = (0..n)
                    .map(|_| ([rnd() * 10.0, rnd() * 10.0], 0.01 + rnd()))
                    .collect();
                let (got, want) = (geometric_median(&pts), weiszfeld(&pts));
                assert!(dist2(got, want) < 1e-8, "{pts:?}: {got:?} vs {want:?}");
            }
        }
        let line: Vec<([f64; 2], f64)> = (0..5)
            .map(|i| ([f64::from(i), 2.0 * f64::from(i)], 1.0))
            .collect();
        assert!(dist2(geometric_median(&line), [2.0, 4.0]) < 1e-8);
        let triangle = [
            ([0.0, 0.0], 1.0),
            ([0.0, 0.0], 1.0),
            ([3.0, 1.0], 1.0),
            ([-1.0, 3.0], 1.0),
        ];
        assert!(dist2(geometric_median(&triangle), [0.0, 0.0]) < 1e-8);
    }

    #[test]
    fn projection_round_trips_and_measures_metres() {
        let p = LocalProjection::new(39.0, 35.95);
        let q = p.forward([39.001, 35.951]);
        let back = p.inverse(q);
        assert!((back[0] - 39.001).abs() < 1e-12 && (back[1] - 35.951).abs() < 1e-12);
        // 0.001° of latitude is about 111 m; of longitude at 36° N about 90 m.
        assert!((q[1] - 111.19).abs() < 0.1, "{q:?}");
        assert!((q[0] - 90.0).abs() < 0.2, "{q:?}");
    }

    #[test]
    fn quad_contains_inside_and_boundary_but_not_outside() {
        let q = Quad([[0.0, 0.0], [10.0, 0.0], [12.0, 8.0], [2.0, 8.0]]);
        assert!(q.contains([5.0, 4.0]));
        assert!(q.contains([0.0, 0.0]));
        assert!(!q.contains([-1.0, 4.0]));
        assert!((q.area() - 80.0).abs() < 1e-9);
        let rev = Quad([q.0[3], q.0[2], q.0[1], q.0[0]]);
        assert!(rev.contains([5.0, 4.0]) && !rev.contains([20.0, 4.0]));
    }
}
