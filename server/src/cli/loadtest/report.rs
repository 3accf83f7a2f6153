//! The load test's printed report.

use std::fmt::Write as _;

use super::LoadtestArgs;
use super::client::Outcome;
use crate::db::Backend;

fn percentiles(samples: &mut [u32]) -> String {
    if samples.is_empty() {
        return "no samples".to_owned();
    }
    samples.sort_unstable();
    let at = |q: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into the samples"
        )]
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        f64::from(samples[i]) / 1000.0
    };
    format!(
        "p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  (n = {})",
        at(0.5),
        at(0.95),
        at(0.99),
        samples.len()
    )
}

/// Renders the outcome as the human-readable report.
pub fn render(
    args: &LoadtestArgs,
    o: &Outcome,
    peak_rss_mb: Option<f64>,
    backend: Backend,
) -> String {
    let mut next = o.next_us.clone();
    let mut answer = o.answer_us.clone();
    #[expect(clippy::cast_precision_loss, reason = "counts")]
    let answers_per_s = o.acked as f64 / o.secs.max(1e-9);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "── tessera loadtest ──────────────────────────────────────────────"
    );
    let _ = writeln!(
        s,
        "backend {backend:?}, {} volunteers, {} tasks, think {} ms, {} s run (registration took {:.1} s)",
        args.volunteers, args.tasks, args.think_ms, args.duration, o.register_secs
    );
    if let Some((n, secs, lat)) = &o.health {
        let mut lat = lat.clone();
        #[expect(clippy::cast_precision_loss, reason = "counts")]
        let rps = *n as f64 / secs;
        let _ = writeln!(
            s,
            "ceiling  GET /health        {rps:>9.0} req/s   {}",
            percentiles(&mut lat)
        );
        let _ = writeln!(
            s,
            "answers  lease + submit     {answers_per_s:>9.0} answers/s ({} requests/s, {:.0}% of the ceiling)",
            (answers_per_s * 2.0).round(),
            100.0 * answers_per_s * 2.0 / rps
        );
    } else {
        let _ = writeln!(
            s,
            "answers  lease + submit     {answers_per_s:>9.0} answers/s"
        );
    }
    let _ = writeln!(s, "latency  POST …/next         {}", percentiles(&mut next));
    let _ = writeln!(
        s,
        "latency  POST …/answers      {}",
        percentiles(&mut answer)
    );
    let _ = writeln!(
        s,
        "acknowledged answers {}, no-task replies {}",
        o.acked, o.no_task
    );
    if o.errors.is_empty() {
        let _ = writeln!(s, "errors   none");
    }
    for (what, n) in &o.errors {
        let _ = writeln!(s, "errors   {n:>7}  {what}");
    }
    match peak_rss_mb {
        Some(mb) => {
            let _ = writeln!(s, "server peak RSS {mb:.0} MB");
        }
        None => {
            let _ = writeln!(s, "server peak RSS unknown");
        }
    }
    if let Some(d) = &o.durability {
        let _ = writeln!(
            s,
            "kill -9 check: {} acknowledged, {} stored after restart, {} lost",
            d.acked, d.stored, d.lost
        );
    }
    s
}
