//! Lays a campaign's tasks out in one metric plane: an equirectangular projection around the
//! centroid for georeferenced tasks, a grid of separate patches for tasks in pixel space.

use crate::error::{ConsensusError, ConsensusResult};
use crate::geo::{LocalProjection, Quad};
use crate::params::ConsensusParams;
use crate::types::Task;

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

pub(super) fn layout_tasks(
    tasks: &[&Task],
    params: &ConsensusParams,
) -> ConsensusResult<(Option<LocalProjection>, Vec<Quad>, f64)> {
    let with = tasks.iter().filter(|t| t.footprint.is_some()).count();
    if with != 0 && with != tasks.len() {
        return Err(ConsensusError::MixedSpaces {
            with_footprint: with,
            without: tasks.len() - with,
        });
    }
    if with == 0 {
        // Pixel space: a grid of patches far enough apart that no cluster spans two tasks.
        let side = tasks
            .iter()
            .map(|t| t.width.max(t.height))
            .max()
            .unwrap_or(1);
        let stride = f64::from(side) + 4.0 * params.eps_px + 1.0;
        let cols = (tasks.len() as f64).sqrt().ceil().max(1.0);
        let quads = (0..tasks.len())
            .zip(tasks)
            .map(|(i, t)| {
                let i = i as f64;
                let (col, row) = (i % cols, (i / cols).floor());
                Quad::rect(
                    col * stride,
                    row * stride,
                    f64::from(t.width),
                    f64::from(t.height),
                )
            })
            .collect();
        return Ok((None, quads, params.eps_px));
    }
    let n = (tasks.len() * 4) as f64;
    let (mut lon, mut lat) = (0.0, 0.0);
    for c in tasks
        .iter()
        .filter_map(|t| t.footprint)
        .flat_map(|f| f.corners())
    {
        lon += c[0] / n;
        lat += c[1] / n;
    }
    let proj = LocalProjection::new(lon, lat);
    let quads: Vec<Quad> = tasks
        .iter()
        .filter_map(|t| t.footprint)
        .map(|f| Quad(f.corners().map(|c| proj.forward(c))))
        .collect();
    let gsd = tasks
        .iter()
        .zip(&quads)
        .map(|(t, q)| (q.area() / (f64::from(t.width) * f64::from(t.height))).sqrt());
    let eps = params
        .eps_m
        .unwrap_or_else(|| params.eps_px * median(gsd.collect()).unwrap_or(1.0));
    Ok((Some(proj), quads, eps))
}
