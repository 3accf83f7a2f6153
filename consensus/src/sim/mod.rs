//! A deterministic simulator of volunteers marking damage on a tiled, georeferenced frame.
//!
//! Ground truth: sites scattered over one frame (a minimum separation, classes by weight). The
//! frame is cut into `tile_size` px tiles with `overlap`, each a task with a WGS84 footprint.
//! Each task is answered by `answers_per_tile` distinct volunteers from a pool. An honest
//! volunteer marks each site in the tile with their own recall (Beta-distributed across the
//! pool), with Gaussian position noise, the right class with their own class accuracy, sometimes
//! twice, plus Poisson false marks at their own rate (Gamma-distributed); spammers mark at
//! random. Same parameters and seed, same campaign, on every machine (PCG64 generator).

mod params;
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
pub use volunteers::TruthVolunteer;
use volunteers::{pick_class, volunteer_pool};

/// A true site.
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
}

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
/// assert!(simulate(&SimParams { overlap: 256, ..p }, 7).is_err());
/// # let _ = truth;
/// ```
pub fn simulate(p: &SimParams, seed: u64) -> ConsensusResult<(Input, GroundTruth)> {
    check(p)?;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let step = f64::from(p.tile_size - p.overlap);
    let (fw, fh) = (
        f64::from(p.tiles_x) * step + f64::from(p.overlap),
        f64::from(p.tiles_y) * step + f64::from(p.overlap),
    );
    let proj = LocalProjection::new(p.centre[0], p.centre[1]);
    // Frame pixel → WGS84: north-up, centred on `centre`.
    let to_lonlat =
        |x: f64, y: f64| proj.inverse([(x - fw / 2.0) * p.gsd_m, (fh / 2.0 - y) * p.gsd_m]);
    let sites = place_sites(p, &mut rng, fw, fh, step);
    let truth_sites = sites
        .iter()
        .map(|&(x, y, c)| {
            let [lon, lat] = to_lonlat(x, y);
            TruthSite {
                lon,
                lat,
                class: DamageClass(p.classes[c].0.clone()),
            }
        })
        .collect();
    let n_tasks = p.tiles_x as usize * p.tiles_y as usize;
    let pool = volunteer_pool(p, &mut rng, n_tasks);
    let noise = Normal::new(0.0, p.position_noise_px.max(1e-12))
        .map_err(|_| bad("position_noise_px", "invalid"))?;
    let size = f64::from(p.tile_size);
    let mut input = Input::default();
    let mut picked = Vec::with_capacity(p.answers_per_tile);
    for ty in 0..p.tiles_y {
        for tx in 0..p.tiles_x {
            let (ox, oy) = (f64::from(tx) * step, f64::from(ty) * step);
            let corners = [
                to_lonlat(ox, oy),
                to_lonlat(ox + size, oy),
                to_lonlat(ox + size, oy + size),
                to_lonlat(ox, oy + size),
            ];
            let id = TaskId::from(i64::from(ty) * i64::from(p.tiles_x) + i64::from(tx));
            let mut task = Task::new(
                id.clone(),
                p.tile_size,
                p.tile_size,
                Some(Footprint::new(corners)?),
            )?;
            let inside: Vec<(f64, f64, usize)> = sites_in(&sites, p, tx, ty, step)
                .map(|&(x, y, c)| (x - ox, y - oy, c))
                .filter(|&(x, y, _)| (0.0..=size).contains(&x) && (0.0..=size).contains(&y))
                .collect();
            if rng.random_bool(p.gold_share) {
                let marks: Vec<Mark> = inside
                    .iter()
                    .map(|&(x, y, c)| Mark {
                        x,
                        y,
                        class: DamageClass(p.classes[c].0.clone()),
                    })
                    .collect();
                task.gold = Some(if marks.is_empty() {
                    Response::NothingHere
                } else {
                    Response::Marks(marks)
                });
            }
            input.tasks.push(task);
            picked.clear();
            while picked.len() < p.answers_per_tile.min(pool.len()) {
                let v = rng.random_range(0..pool.len());
                if !picked.contains(&v) {
                    picked.push(v);
                }
            }
            for &v in &picked {
                let response = pool[v].answer(p, &mut rng, &noise, &inside, size);
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
            sites: truth_sites,
            volunteers,
        },
    ))
}

/// Sites whose bucket (one per `step` cell) a tile can overlap.
fn sites_in<'a>(
    sites: &'a [(f64, f64, usize)],
    p: &SimParams,
    tx: u32,
    ty: u32,
    step: f64,
) -> impl Iterator<Item = &'a (f64, f64, usize)> {
    let (x0, x1) = (
        f64::from(tx) * step - 1.0,
        f64::from(tx) * step + f64::from(p.tile_size) + 1.0,
    );
    let (y0, y1) = (
        f64::from(ty) * step - 1.0,
        f64::from(ty) * step + f64::from(p.tile_size) + 1.0,
    );
    // Sites are sorted by row band; a binary search finds the band's start.
    let start = sites.partition_point(|s| s.1 < y0);
    sites[start..]
        .iter()
        .take_while(move |s| s.1 <= y1)
        .filter(move |s| s.0 >= x0 && s.0 <= x1)
}

/// Scatters sites over the frame with a minimum separation (dart throwing on a grid), sorted by y.
fn place_sites(
    p: &SimParams,
    rng: &mut Pcg64Mcg,
    fw: f64,
    fh: f64,
    step: f64,
) -> Vec<(f64, f64, usize)> {
    let target = p.sites_per_tile * (fw * fh) / (step * step);
    let min_px = p.min_separation_m / p.gsd_m;
    let cell = min_px.max(1.0);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "frame sizes are small positive numbers"
    )]
    let (gw, gh) = (
        (fw / cell).ceil() as usize + 1,
        (fh / cell).ceil() as usize + 1,
    );
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); gw * gh];
    let mut out: Vec<(f64, f64, usize)> = Vec::new();
    let mut tries = 0usize;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small non-negative site count"
    )]
    let max_tries = 30 * (target as usize + 1);
    while (out.len() as f64) < target && tries < max_tries {
        tries += 1;
        let (x, y) = (rng.random::<f64>() * fw, rng.random::<f64>() * fh);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "non-negative, bounded by the grid"
        )]
        let (gx, gy) = ((x / cell) as usize, (y / cell) as usize);
        let clash = (gx.saturating_sub(1)..=(gx + 1).min(gw - 1)).any(|i| {
            (gy.saturating_sub(1)..=(gy + 1).min(gh - 1)).any(|j| {
                grid[j * gw + i]
                    .iter()
                    .any(|&k| (out[k as usize].0 - x).hypot(out[k as usize].1 - y) < min_px)
            })
        });
        if !clash {
            grid[gy * gw + gx].push(u32::try_from(out.len()).unwrap_or(u32::MAX));
            out.push((x, y, pick_class(&p.classes, rng)));
        }
    }
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)));
    out
}
