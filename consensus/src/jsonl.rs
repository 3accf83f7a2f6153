//! The JSON-lines wire format (see the README): tasks and answers in; sites, task verdicts,
//! volunteer estimates and a summary out. Malformed lines are skipped and counted, never fatal.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::error::{ConsensusError, ConsensusResult};
use crate::output::{InputReport, Output, Site, Summary, TaskVerdict, VolunteerEstimate};
use crate::types::{Answer, Input, Task};

/// How many skipped-line messages [`InputReport::errors`] keeps.
const MAX_REPORTED_ERRORS: usize = 20;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum InLine {
    Task(Task),
    Answer(Answer),
}

/// Reads tasks and answers from JSON lines.
///
/// Blank lines are ignored; a line that does not parse or validate is skipped and counted in
/// the [`InputReport`] (with its line number and reason), so one bad line never loses a campaign.
///
/// # Errors
/// Only an I/O error of the reader ([`ConsensusError::Read`]).
///
/// # Examples
/// ```
/// let text = r#"{"type":"task","id":1,"width":256,"height":256}
/// {"type":"answer","task":1,"volunteer":"ann","marks":[{"x":10,"y":12,"class":"destroyed"}]}
/// {"type":"answer","task":1,"volunteer":"bob","marks":[{"x":"NaN","y":1,"class":"crater"}]}
/// "#;
/// let (input, report) = tessera_consensus::read_jsonl(text.as_bytes()).unwrap();
/// assert_eq!((input.tasks.len(), input.answers.len(), report.skipped), (1, 1, 1));
/// ```
pub fn read_jsonl(reader: impl BufRead) -> ConsensusResult<(Input, InputReport)> {
    let mut input = Input::default();
    let mut report = InputReport::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| ConsensusError::Read {
            line: i + 1,
            source,
        })?;
        report.lines += 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<InLine>(&line) {
            Ok(InLine::Task(t)) => {
                if t.width == 0 || t.height == 0 {
                    skip(
                        &mut report,
                        i,
                        &format!("task {} has an empty pixel window", t.id),
                    );
                } else {
                    report.tasks += 1;
                    input.tasks.push(t);
                }
            }
            Ok(InLine::Answer(a)) => {
                report.answers += 1;
                input.answers.push(a);
            }
            Err(e) => skip(&mut report, i, &e.to_string()),
        }
    }
    Ok((input, report))
}

fn skip(report: &mut InputReport, index: usize, message: &str) {
    report.skipped += 1;
    if report.errors.len() < MAX_REPORTED_ERRORS {
        report.errors.push(format!("line {}: {message}", index + 1));
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutLine<'a> {
    Site(&'a Site),
    Task(&'a TaskVerdict),
    Volunteer(&'a VolunteerEstimate),
    Summary(&'a Summary),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum InputLine<'a> {
    Task(&'a Task),
    Answer(&'a Answer),
}

/// Writes an [`Output`] as JSON lines: sites, then task verdicts, then volunteers, then one
/// summary line.
///
/// # Errors
/// [`ConsensusError::Write`] when the writer fails.
pub fn write_jsonl(output: &Output, mut writer: impl Write) -> ConsensusResult<()> {
    for s in &output.sites {
        write_line(&mut writer, &OutLine::Site(s))?;
    }
    for t in &output.tasks {
        write_line(&mut writer, &OutLine::Task(t))?;
    }
    for v in &output.volunteers {
        write_line(&mut writer, &OutLine::Volunteer(v))?;
    }
    write_line(&mut writer, &OutLine::Summary(&output.summary))?;
    writer.flush()?;
    Ok(())
}

/// Writes an [`Input`] in the input format (tasks first), e.g. a simulated campaign.
///
/// # Errors
/// [`ConsensusError::Write`] when the writer fails.
pub fn write_input_jsonl(input: &Input, mut writer: impl Write) -> ConsensusResult<()> {
    for t in &input.tasks {
        write_line(&mut writer, &InputLine::Task(t))?;
    }
    for a in &input.answers {
        write_line(&mut writer, &InputLine::Answer(a))?;
    }
    writer.flush()?;
    Ok(())
}

pub(crate) fn write_line(writer: &mut impl Write, value: &impl Serialize) -> ConsensusResult<()> {
    serde_json::to_writer(&mut *writer, value)?;
    writer.write_all(b"\n")?;
    Ok(())
}
