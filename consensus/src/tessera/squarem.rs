//! The SQUAREM cycle (Varadhan & Roland 2008) that both EMs run, the site EM and the class EM:
//! two EM steps, then a squared extrapolation along them. Plain EM creeps where a parameter is
//! weakly identified (the look-alikes of a campaign that has few, the confusions of a volunteer
//! with few marks); the extrapolation lets it stride. The step after an extrapolation is a plain
//! EM step again, so each cycle ends on an EM update.

/// Runs cycles on `theta` until `step` reports convergence or `max_steps` steps have run, and
/// returns the number of steps.
///
/// `step(theta, n)` makes EM step `n` (counted from 1): it returns `true` when the model has
/// converged (leaving `theta` as it is), otherwise it updates `theta` and returns `false`.
/// `extrapolate(x0, x1, theta)` moves `theta = F(x1)`, where `x1 = F(x0)`, along the path.
pub(super) fn squarem<T: Clone>(
    theta: &mut T,
    max_steps: usize,
    mut step: impl FnMut(&mut T, usize) -> bool,
    mut extrapolate: impl FnMut(&T, &T, &mut T),
) -> usize {
    let mut steps = 0;
    while steps < max_steps {
        let x0 = theta.clone();
        steps += 1;
        if step(theta, steps) || steps >= max_steps {
            break;
        }
        let x1 = theta.clone();
        steps += 1;
        if step(theta, steps) || steps >= max_steps {
            break;
        }
        extrapolate(&x0, &x1, theta);
    }
    steps
}
