//! A deterministic simulator of volunteers marking damage on a tiled, georeferenced frame.
//!
//! Ground truth: sites scattered over one frame (a minimum separation, classes by weight), and
//! optionally look-alikes (spots that are not sites but fool volunteers). The frame is cut into
//! `tile_size` px tiles with `overlap`, each a task with a WGS84 footprint; a share of tiles can
//! be served at another ground resolution (same pixels and centre, so a larger or smaller
//! footprint). Each task is answered by `answers_per_tile` distinct volunteers from a pool,
//! picked uniformly or with Zipf-distributed activity (a core and a long tail). An honest
//! volunteer marks each site in the tile with their own recall (Beta-distributed across the
//! pool), with Gaussian position noise (plus, for some, a systematic offset), the right class
//! with their own class accuracy (or, for some, always one class), sometimes twice; marks each
//! look-alike with their own fooled rate (Beta-distributed, so the same volunteers are fooled
//! together); plus Poisson false marks at their own rate (Gamma-distributed). Spammers mark at
//! random, or never. Same parameters and seed, same campaign, on every machine (PCG64
//! generators).

mod params;
mod place;
#[cfg(test)]
mod tests;
mod volunteers;

use rand::{RngExt, SeedableRng};
use rand_distr::Normal;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use crate::error::ConsensusResult;
use crate::geo::LocalProjection;
use crate::id::{TaskId, VolunteerId};
use crate::types::{Answer, DamageClass, Footprint, Input, Mark, Response, Task};
pub use params::SimParams;
use params::{bad, check};
use place::{Darts, Spot, spots_in};
pub use volunteers::TruthVolunteer;
use volunteers::{TileView, chance, poisson, pool_size, volunteer_pool};

/// A true site, or a look-alike (where `class` is the class it looks like).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSite {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// True class.
    pub class: DamageClass,
}

/// What the simulator knows and consensus has to find.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// True sites.
    pub sites: Vec<TruthSite>,
    /// Every volunteer's true behaviour.
    pub volunteers: Vec<TruthVolunteer>,
    /// Look-alikes: spots that are not sites but fool volunteers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoys: Vec<TruthSite>,
}

/// Seed offset of the second generator (look-alikes and the other later behaviours), so they
/// draw without shifting the first generator's stream.
const EXTRA_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// Simulates one campaign. Returns its input (tasks with footprints, answers) and ground truth.
///
/// # Errors
/// [`crate::ConsensusError::InvalidParameter`] for out-of-range parameters.
///
/// # Examples
/// ```
/// use tessera_consensus::sim::{SimParams, simulate};
/// let p = SimParams { tiles_x: 3, tiles_y: 2, ..SimParams::default() };
/// let (input, truth) = simulate(&p, 7).unwrap();
/// assert_eq!(input.tasks.len(), 6);
/// assert_eq!(input.answers.len(), 6 * p.answers_per_tile);
/// assert_eq!(simulate(&p, 7).unwrap().0, input, "deterministic from the seed");
/// assert!(simulate(&SimParams { overlap: 256, ..p.clone() }, 7).is_err());
/// // Look-alikes are recorded beside the sites.
/// let (_, truth) = simulate(&SimParams { decoys_per_tile: 1.0, ..p }, 7).unwrap();
/// assert!(!truth.decoys.is_empty());
/// ```
pub fn simulate(p: &SimParams, seed: u64) -> ConsensusResult<(Input, GroundTruth)> {
    check(p)?;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut extra = Pcg64Mcg::seed_from_u64(seed ^ EXTRA_STREAM);
    let step = f64::from(p.tile_size - p.overlap);
    let (fw, fh) = (
        f64::from(p.tiles_x) * step + f64::from(p.overlap),
        f64::from(p.tiles_y) * step + f64::from(p.overlap),
    );
    let proj = LocalProjection::new(p.centre[0], p.centre[1]);
    // Frame pixel (at `gsd_m`) → WGS84: north-up, centred on `centre`.
    let to_lonlat =
        |x: f64, y: f64| proj.inverse([(x - fw / 2.0) * p.gsd_m, (fh / 2.0 - y) * p.gsd_m]);
    let to_truth = |spots: &[Spot]| -> Vec<TruthSite> {
        spots
            .iter()
            .map(|&(x, y, c)| {
                let [lon, lat] = to_lonlat(x, y);
                TruthSite {
                    lon,
                    lat,
                    class: DamageClass::from(p.classes[c].0.as_str()),
                }
            })
            .collect()
    };
    let mut darts = Darts::new(p, fw, fh);
    let tiles_area = (fw * fh) / (step * step);
    let sites = darts.place(p, &mut rng, p.sites_per_tile * tiles_area);
    #[expect(clippy::cast_precision_loss, reason = "a small count")]
    let n_decoys = poisson(&mut extra, p.decoys_per_tile * tiles_area) as f64;
    let decoys = darts.place(p, &mut extra, n_decoys);
    let n_tasks = p.tiles_x as usize * p.tiles_y as usize;
    let pool = volunteer_pool(p, &mut rng, &mut extra, pool_size(p, n_tasks));
    let choose = Picker::new(p, pool.len());
    let noise = Normal::new(0.0, p.position_noise_px.max(1e-12))
        .map_err(|_| bad("position_noise_px", "invalid"))?;
    let size = f64::from(p.tile_size);
    let mut input = Input::default();
    let mut picked = Vec::with_capacity(p.answers_per_tile);
    for ty in 0..p.tiles_y {
        for tx in 0..p.tiles_x {
            // A mixed tile keeps its centre and pixel size: `scale` frame px per tile px.
            let scale = if chance(&mut extra, p.mixed_gsd_share) {
                p.mixed_gsd_m[extra.random_range(0..p.mixed_gsd_m.len())] / p.gsd_m
            } else {
                1.0
            };
            let [ox, oy, span] = tile_window(size, step, tx, ty, scale);
            let corners = [
                to_lonlat(ox, oy),
                to_lonlat(ox + span, oy),
                to_lonlat(ox + span, oy + span),
                to_lonlat(ox, oy + span),
            ];
            let id = TaskId::from(i64::from(ty) * i64::from(p.tiles_x) + i64::from(tx));
            let mut task = Task::new(
                id.clone(),
                p.tile_size,
                p.tile_size,
                Some(Footprint::new(corners)?),
            )?;
            let window = [ox - 1.0, oy - 1.0, ox + span + 1.0, oy + span + 1.0];
            let in_tile = |spots: &[Spot]| -> Vec<Spot> {
                spots_in(spots, window)
                    .map(|&(x, y, c)| ((x - ox) / scale, (y - oy) / scale, c))
                    .filter(|&(x, y, _)| (0.0..=size).contains(&x) && (0.0..=size).contains(&y))
                    .collect()
            };
            let inside = in_tile(&sites);
            let fakes = in_tile(&decoys);
            if rng.random_bool(p.gold_share) {
                task.gold = Some(gold_response(p, &inside));
            }
            input.tasks.push(task);
            choose.pick(&mut rng, p.answers_per_tile, &mut picked);
            let view = TileView {
                sites: &inside,
                decoys: &fakes,
                size,
            };
            for &v in &picked {
                let response = pool[v].answer(p, &mut rng, &mut extra, &noise, &view);
                input.answers.push(Answer {
                    task: id.clone(),
                    volunteer: VolunteerId::from(pool[v].id.as_str()),
                    response,
                });
            }
        }
    }
    let volunteers = pool.into_iter().map(|v| v.truth).collect();
    Ok((
        input,
        GroundTruth {
            sites: to_truth(&sites),
            volunteers,
            decoys: to_truth(&decoys),
        },
    ))
}

/// Origin `[x, y]` in frame px and side of tile `(tx, ty)` at `scale` frame px per tile px,
/// centred where the tile at the frame's resolution would be.
fn tile_window(size: f64, step: f64, tx: u32, ty: u32, scale: f64) -> [f64; 3] {
    let half = scale * size / 2.0;
    [
        f64::from(tx) * step + size / 2.0 - half,
        f64::from(ty) * step + size / 2.0 - half,
        scale * size,
    ]
}

/// A gold task's truth: its sites, or nothing here.
fn gold_response(p: &SimParams, inside: &[Spot]) -> Response {
    let marks: Vec<Mark> = inside
        .iter()
        .map(|&(x, y, c)| Mark {
            x,
            y,
            class: DamageClass::from(p.classes[c].0.as_str()),
        })
        .collect();
    if marks.is_empty() {
        Response::NothingHere
    } else {
        Response::Marks(marks)
    }
}

/// Picks the distinct volunteers of one task: uniformly, or the k-th of the pool with weight
/// 1/kˢ (`activity_zipf` = s).
struct Picker {
    /// Cumulative weights; empty for uniform picks.
    cumulative: Vec<f64>,
    n: usize,
}

impl Picker {
    fn new(p: &SimParams, n: usize) -> Self {
        let mut cumulative = Vec::new();
        if p.activity_zipf > 0.0 {
            let mut total = 0.0;
            for k in 1..=n {
                #[expect(clippy::cast_precision_loss, reason = "a small pool size")]
                let w = (k as f64).powf(-p.activity_zipf);
                total += w;
                cumulative.push(total);
            }
        }
        Self { cumulative, n }
    }

    fn pick(&self, rng: &mut Pcg64Mcg, k: usize, picked: &mut Vec<usize>) {
        picked.clear();
        while picked.len() < k.min(self.n) {
            let v = match self.cumulative.last() {
                None => rng.random_range(0..self.n),
                Some(&total) => {
                    let r = rng.random::<f64>() * total;
                    self.cumulative.partition_point(|&c| c <= r).min(self.n - 1)
                }
            };
            if !picked.contains(&v) {
                picked.push(v);
            }
        }
    }
}
