//! Bad input is skipped and counted, or refused with a clear error; never a panic.

use rstest::rstest;
use tessera_consensus::{
    ConsensusError, ConsensusParams, Input, LonLatBox, read_jsonl, run, run_region,
};

const TASK: &str = r#"{"type":"task","id":1,"width":100,"height":100}"#;

fn answer(v: &str, x: f64, y: f64, class: &str) -> String {
    format!(
        r#"{{"type":"answer","task":1,"volunteer":"{v}","marks":[{{"x":{x},"y":{y},"class":"{class}"}}]}}"#
    )
}

#[test]
fn empty_input_gives_empty_output() {
    let (input, report) = read_jsonl("".as_bytes()).unwrap();
    assert_eq!(report.lines, 0);
    let out = run(&input, &ConsensusParams::default()).unwrap();
    assert!(out.sites.is_empty() && out.tasks.is_empty() && out.volunteers.is_empty());
}

#[rstest]
#[case::not_json("{not json")]
#[case::nan_as_string(
    r#"{"type":"answer","task":1,"volunteer":"a","marks":[{"x":"NaN","y":1,"class":"crater"}]}"#
)]
#[case::overflowing_number(
    r#"{"type":"answer","task":1,"volunteer":"a","marks":[{"x":1e999,"y":1,"class":"crater"}]}"#
)]
#[case::unknown_type(r#"{"type":"frame","id":1}"#)]
#[case::two_responses(
    r#"{"type":"answer","task":1,"volunteer":"a","nothing_here":true,"cant_tell":true}"#
)]
#[case::no_response(r#"{"type":"answer","task":1,"volunteer":"a"}"#)]
#[case::zero_sized_task(r#"{"type":"task","id":2,"width":0,"height":10}"#)]
#[case::footprint_off_the_globe(
    r#"{"type":"task","id":2,"width":10,"height":10,"footprint":[[0,0],[1,0],[1,95],[0,1]]}"#
)]
fn malformed_line_is_skipped_and_reported(#[case] line: &str) {
    let text = format!("{TASK}\n{line}\n{}\n", answer("b", 5.0, 5.0, "crater"));
    let (input, report) = read_jsonl(text.as_bytes()).unwrap();
    assert_eq!(report.skipped, 1, "{report:?}");
    assert!(report.errors[0].starts_with("line 2:"), "{report:?}");
    assert_eq!((input.tasks.len(), input.answers.len()), (1, 1));
}

#[test]
fn unusable_answers_and_marks_are_counted_in_the_summary() {
    let lines = [
        TASK.to_owned(),
        answer("a", 10.0, 10.0, "crater"),
        answer("a", 10.0, 10.0, "crater"),  // duplicate
        answer("b", 150.0, 10.0, "crater"), // outside the tile
        answer("c", 10.0, 10.0, "looted"),  // unknown class
        r#"{"type":"answer","task":99,"volunteer":"d","nothing_here":true}"#.to_owned(), // unknown task
    ];
    let (input, _) = read_jsonl(lines.join("\n").as_bytes()).unwrap();
    let out = run(&input, &ConsensusParams::default()).unwrap();
    let s = &out.summary;
    assert_eq!(
        (
            s.duplicate_answers,
            s.invalid_marks,
            s.unknown_class_marks,
            s.skipped_unknown_task
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(s.answers_used, 3);
    assert!(out.sites.is_empty(), "one real mark is not a site");
}

#[test]
fn mixing_georeferenced_and_pixel_tasks_is_refused() {
    let text = format!(
        "{TASK}\n{}",
        r#"{"type":"task","id":2,"width":10,"height":10,"footprint":[[0,1],[1,1],[1,0],[0,0]]}"#
    );
    let (input, _) = read_jsonl(text.as_bytes()).unwrap();
    assert!(matches!(
        run(&input, &ConsensusParams::default()),
        Err(ConsensusError::MixedSpaces { .. })
    ));
}

#[rstest]
#[case::min_volunteers_zero(ConsensusParams { min_volunteers: 0, ..ConsensusParams::default() })]
#[case::negative_radius(ConsensusParams { eps_m: Some(-1.0), ..ConsensusParams::default() })]
#[case::nan_radius(ConsensusParams { eps_px: f64::NAN, ..ConsensusParams::default() })]
#[case::no_classes(ConsensusParams { classes: vec![], ..ConsensusParams::default() })]
#[case::min_support_above_one(ConsensusParams { min_support: 1.5, ..ConsensusParams::default() })]
#[case::nan_min_support(ConsensusParams { min_support: f64::NAN, ..ConsensusParams::default() })]
fn invalid_parameters_are_refused(#[case] params: ConsensusParams) {
    assert!(matches!(
        run(&Input::default(), &params),
        Err(ConsensusError::InvalidParameter { .. })
    ));
}

#[rstest]
#[case::identical_points_form_one_site(vec![(50.0, 50.0), (50.0, 50.0), (50.0, 50.0)], 1)]
#[case::one_point_is_no_site(vec![(50.0, 50.0)], 0)]
#[case::scattered_points_are_noise(vec![(5.0, 5.0), (50.0, 50.0), (95.0, 95.0)], 0)]
#[case::two_groups_are_two_sites(vec![(10.0, 10.0), (11.0, 10.0), (12.0, 10.0), (80.0, 80.0), (81.0, 80.0), (80.0, 81.0)], 2)]
fn pixel_space_sites(#[case] marks: Vec<(f64, f64)>, #[case] sites: usize) {
    let mut lines = vec![TASK.to_owned()];
    lines.extend(
        marks
            .iter()
            .enumerate()
            .map(|(i, (x, y))| answer(&format!("v{i}"), *x, *y, "destroyed")),
    );
    let (input, _) = read_jsonl(lines.join("\n").as_bytes()).unwrap();
    let out = run(&input, &ConsensusParams::default()).unwrap();
    assert_eq!(out.sites.len(), sites, "{:?}", out.sites);
}

#[test]
fn too_large_min_volunteers_reports_nothing() {
    let mut lines = vec![TASK.to_owned()];
    lines.extend((0..3).map(|i| answer(&format!("v{i}"), 50.0, 50.0, "destroyed")));
    let (input, _) = read_jsonl(lines.join("\n").as_bytes()).unwrap();
    let params = ConsensusParams {
        min_volunteers: 4,
        ..ConsensusParams::default()
    };
    assert!(run(&input, &params).unwrap().sites.is_empty());
}

#[test]
fn region_run_on_pixel_space_is_refused() {
    let (input, _) = read_jsonl(TASK.as_bytes()).unwrap();
    let region = LonLatBox::new(0.0, 0.0, 1.0, 1.0).unwrap();
    assert!(run_region(&input, &region, &ConsensusParams::default(), None).is_err());
}

/// Invalid UTF-8 on one line — in a string or as a bare byte — loses that line only: the other
/// lines' answers still make their site, and the bad line is counted with its number and why.
#[rstest]
#[case::in_a_string(
    b"{\"type\":\"answer\",\"task\":1,\"volunteer\":\"\xff\xfe\",\"cant_tell\":true}"
)]
#[case::bare_byte(b"\xc3(\n")]
fn a_line_that_is_not_utf8_is_skipped_and_the_rest_is_used(#[case] bad: &[u8]) {
    let mut text = format!("{TASK}\n").into_bytes();
    text.extend_from_slice(bad);
    text.push(b'\n');
    for v in 0..3 {
        text.extend_from_slice(answer(&format!("v{v}"), 50.0, 50.0, "crater").as_bytes());
        text.push(b'\n');
    }
    let (input, report) = read_jsonl(&text[..]).unwrap();
    assert_eq!((report.skipped, report.answers), (1, 3), "{report:?}");
    assert!(report.errors[0].starts_with("line 2:"), "{report:?}");
    let out = run(&input, &ConsensusParams::default()).unwrap();
    assert_eq!(out.sites.len(), 1, "{:?}", out.sites);
    assert_eq!(out.sites[0].volunteers.len(), 3);
}
