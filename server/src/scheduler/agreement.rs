//! Whether a task's answers agree enough to retire it (the scheduler's adaptive redundancy).
//!
//! The rule: can't-tell answers count as neither; the rest agree when all say "nothing here",
//! or when all placed marks and every pair of answers marks the same places (each mark of one
//! has a mark of the other within `radius_px`, both ways).

/// One answer as the agreement rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    NothingHere,
    CantTell,
    Marks(Vec<[f64; 2]>),
}

fn covers(a: &[[f64; 2]], b: &[[f64; 2]], r2: f64) -> bool {
    a.iter().all(|p| {
        b.iter()
            .any(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) <= r2)
    })
}

/// Whether `answers` agree (see the module docs). Fewer than one usable answer never agrees.
///
/// ```
/// use tessera_server::scheduler::agreement::{agree, Verdict};
/// assert!(agree(&[Verdict::NothingHere, Verdict::CantTell, Verdict::NothingHere], 10.0));
/// assert!(!agree(&[Verdict::NothingHere, Verdict::Marks(vec![[5.0, 5.0]])], 10.0));
/// ```
pub fn agree(answers: &[Verdict], radius_px: f64) -> bool {
    let usable: Vec<&Verdict> = answers
        .iter()
        .filter(|a| **a != Verdict::CantTell)
        .collect();
    let Some(first) = usable.first() else {
        return false;
    };
    let r2 = radius_px * radius_px;
    match first {
        Verdict::NothingHere => usable.iter().all(|a| **a == Verdict::NothingHere),
        Verdict::Marks(_) => {
            let sets: Option<Vec<&Vec<[f64; 2]>>> = usable
                .iter()
                .map(|a| match a {
                    Verdict::Marks(m) => Some(m),
                    _ => None,
                })
                .collect();
            sets.is_some_and(|sets| {
                sets.iter()
                    .zip(sets.iter().skip(1))
                    .all(|(a, b)| covers(a, b, r2) && covers(b, a, r2))
                    && covers(sets[0], sets[sets.len() - 1], r2)
            })
        }
        Verdict::CantTell => false,
    }
}

/// The number of answers a task needs after this one, and whether it retires now.
///
/// Retires at `min` usable answers when they agree, or at `max` answers whatever they say;
/// otherwise asks for one more.
pub fn next_need(answers: &[Verdict], radius_px: f64, min: u32, max: u32) -> (i32, bool) {
    let total = i32::try_from(answers.len()).unwrap_or(i32::MAX);
    let usable = answers.iter().filter(|a| **a != Verdict::CantTell).count();
    let enough = usable >= min as usize;
    let min = i32::try_from(min).unwrap_or(i32::MAX);
    let max = i32::try_from(max).unwrap_or(i32::MAX);
    if total >= max || (enough && agree(answers, radius_px)) {
        (total, true)
    } else {
        (min.max(total + 1).min(max), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn m(points: &[(f64, f64)]) -> Verdict {
        Verdict::Marks(points.iter().map(|&(x, y)| [x, y]).collect())
    }

    #[rstest]
    #[case::all_nothing(vec![Verdict::NothingHere; 3], true)]
    #[case::same_places(vec![m(&[(10.0, 10.0), (100.0, 40.0)]), m(&[(12.0, 9.0), (98.0, 44.0)])], true)]
    #[case::one_missed_a_site(vec![m(&[(10.0, 10.0), (100.0, 40.0)]), m(&[(12.0, 9.0)])], false)]
    #[case::far_apart(vec![m(&[(10.0, 10.0)]), m(&[(60.0, 10.0)])], false)]
    #[case::mixed(vec![Verdict::NothingHere, m(&[(10.0, 10.0)])], false)]
    #[case::only_cant_tell(vec![Verdict::CantTell, Verdict::CantTell], false)]
    fn agreement_cases(#[case] answers: Vec<Verdict>, #[case] expected: bool) {
        assert_eq!(agree(&answers, 10.0), expected);
    }

    #[test]
    fn disagreement_asks_for_more_up_to_max() {
        let split = vec![Verdict::NothingHere, Verdict::NothingHere, m(&[(5.0, 5.0)])];
        assert_eq!(next_need(&split, 10.0, 3, 5), (4, false));
        let mut more = split.clone();
        more.push(Verdict::NothingHere);
        assert_eq!(next_need(&more, 10.0, 3, 5), (5, false));
        more.push(Verdict::NothingHere);
        assert_eq!(next_need(&more, 10.0, 3, 5), (5, true));
    }

    #[test]
    fn agreement_at_min_retires() {
        assert_eq!(
            next_need(&vec![Verdict::NothingHere; 3], 10.0, 3, 6),
            (3, true)
        );
        assert_eq!(
            next_need(&vec![Verdict::NothingHere; 2], 10.0, 3, 6),
            (3, false)
        );
        // a can't-tell does not count towards min
        let with_cant = [
            Verdict::NothingHere,
            Verdict::CantTell,
            Verdict::NothingHere,
        ];
        assert_eq!(next_need(&with_cant, 10.0, 3, 6), (4, false));
    }
}
