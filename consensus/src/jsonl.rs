//! The JSON-lines wire format (see the README): tasks and answers in; sites, task verdicts,
//! volunteer estimates and a summary out. Malformed lines are skipped and counted, never fatal.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::error::{ConsensusError, ConsensusResult};
use crate::id::{TaskId, VolunteerId};
use crate::output::{InputReport, Output, Site, Summary, TaskVerdict, VolunteerEstimate};
use crate::par::map_blocks;
use crate::types::{Answer, Footprint, Input, Mark, Response, Task};

/// How many skipped-line messages [`InputReport::errors`] keeps.
const MAX_REPORTED_ERRORS: usize = 20;

enum InLine {
    Task(Task),
    Answer(Answer),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum LineType {
    Task,
    Answer,
}

/// One input line, task or answer, as a plain struct: serde's internally tagged enums and
/// `flatten` buffer every line into a generic value before deserialising it again, which made
/// reading most of the time of a whole consensus run. Fields of the other type are ignored.
#[derive(Deserialize)]
struct RawLine {
    #[serde(rename = "type")]
    line_type: LineType,
    id: Option<TaskId>,
    width: Option<u32>,
    height: Option<u32>,
    footprint: Option<Footprint>,
    gold: Option<Response>,
    task: Option<TaskId>,
    volunteer: Option<VolunteerId>,
    marks: Option<Vec<Mark>>,
    #[serde(default)]
    nothing_here: bool,
    #[serde(default)]
    cant_tell: bool,
}

impl RawLine {
    fn into_line(self) -> Result<InLine, String> {
        let missing = |field: &str| format!("missing field `{field}`");
        match self.line_type {
            LineType::Task => Ok(InLine::Task(Task {
                id: self.id.ok_or_else(|| missing("id"))?,
                width: self.width.ok_or_else(|| missing("width"))?,
                height: self.height.ok_or_else(|| missing("height"))?,
                footprint: self.footprint,
                gold: self.gold,
            })),
            LineType::Answer => Ok(InLine::Answer(Answer {
                task: self.task.ok_or_else(|| missing("task"))?,
                volunteer: self.volunteer.ok_or_else(|| missing("volunteer"))?,
                response: Response::from_parts(self.marks, self.nothing_here, self.cant_tell)?,
            })),
        }
    }
}

/// Bytes of input parsed per batch: large enough that the parallel parse amortises its
/// scheduling, small enough that the raw text held at once stays a few MB whatever the file size.
const BATCH_BYTES: usize = 8 << 20;

/// Lines per parallel parse block within a batch. Blocks are cut by count alone and merged in
/// order, so the result never depends on the number of threads.
const LINES_PER_BLOCK: usize = 2048;

/// What one input line turned into.
enum Parsed {
    Blank,
    Line(InLine),
    Bad(String),
}

fn parse_line(line: &[u8]) -> Parsed {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Blank;
    }
    // Lines are bytes, not `String`s: a line that is not UTF-8 fails here, alone, with the
    // position of the bad byte, instead of failing the read of the whole file.
    match serde_json::from_slice::<RawLine>(line).map_err(|e| e.to_string()) {
        Ok(raw) => match raw.into_line() {
            Ok(l) => Parsed::Line(l),
            Err(message) => Parsed::Bad(message),
        },
        Err(message) => Parsed::Bad(message),
    }
}

/// Reads tasks and answers from JSON lines.
///
/// Blank lines are ignored; a line that does not parse or validate — not JSON, not UTF-8, a
/// NaN, a missing field — is skipped and counted in the [`InputReport`] (with its line number
/// and reason), so one bad line never loses a campaign. Lines are parsed in parallel batches;
/// the result is the same as a line-by-line read.
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
///
/// let not_utf8 = b"{\"type\":\"answer\",\"task\":1,\"volunteer\":\"\xff\",\"cant_tell\":true}\n";
/// let (input, report) = tessera_consensus::read_jsonl(&not_utf8[..]).unwrap();
/// assert_eq!((input.answers.len(), report.skipped), (0, 1));
/// ```
pub fn read_jsonl(reader: impl BufRead) -> ConsensusResult<(Input, InputReport)> {
    read_batched(reader, BATCH_BYTES)
}

fn read_batched(
    mut reader: impl BufRead,
    batch_bytes: usize,
) -> ConsensusResult<(Input, InputReport)> {
    let mut input = Input::default();
    let mut report = InputReport::default();
    // One batch of raw lines: the text, and where each line ends.
    let mut text = Vec::with_capacity(batch_bytes.saturating_add(64 << 10));
    let mut ends: Vec<usize> = Vec::new();
    loop {
        text.clear();
        ends.clear();
        let mut eof = false;
        while text.len() < batch_bytes {
            let n = reader
                .read_until(b'\n', &mut text)
                .map_err(|source| ConsensusError::Read {
                    line: report.lines + ends.len() + 1,
                    source,
                })?;
            if n == 0 {
                eof = true;
                break;
            }
            ends.push(text.len());
        }
        let parsed = parse_batch(&text, &ends);
        let first = report.lines;
        report.lines += ends.len();
        for (i, p) in (first..).zip(parsed.into_iter().flatten()) {
            accept(p, i, &mut input, &mut report);
        }
        if eof {
            return Ok((input, report));
        }
    }
}

/// Parses one batch of lines (`text` cut at `ends`) in parallel blocks, in line order.
fn parse_batch(text: &[u8], ends: &[usize]) -> Vec<Vec<Parsed>> {
    map_blocks(ends.len(), LINES_PER_BLOCK, |range| {
        range
            .map(|k| {
                let start = if k == 0 { 0 } else { ends[k - 1] };
                parse_line(&text[start..ends[k]])
            })
            .collect()
    })
}

fn accept(parsed: Parsed, index: usize, input: &mut Input, report: &mut InputReport) {
    match parsed {
        Parsed::Blank => {}
        Parsed::Line(InLine::Task(t)) => {
            if t.width == 0 || t.height == 0 {
                skip(
                    report,
                    index,
                    &format!("task {} has an empty pixel window", t.id),
                );
            } else {
                report.tasks += 1;
                input.tasks.push(t);
            }
        }
        Parsed::Line(InLine::Answer(a)) => {
            report.answers += 1;
            input.answers.push(a);
        }
        Parsed::Bad(message) => skip(report, index, &message),
    }
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
    write_sites(&mut writer, &output.sites)?;
    write_all_but_sites(output, writer)
}

/// Writes site lines: the first part of [`write_jsonl`]'s output, in as many calls as wanted.
pub(crate) fn write_sites(writer: &mut impl Write, sites: &[Site]) -> ConsensusResult<()> {
    write_lines(writer, sites, OutLine::Site)
}

/// Writes the rest of [`write_jsonl`]'s output after the sites, and flushes.
pub(crate) fn write_all_but_sites(output: &Output, mut writer: impl Write) -> ConsensusResult<()> {
    write_lines(&mut writer, &output.tasks, OutLine::Task)?;
    write_lines(&mut writer, &output.volunteers, OutLine::Volunteer)?;
    write_line(&mut writer, &OutLine::Summary(&output.summary))?;
    writer.flush()?;
    Ok(())
}

/// Lines serialised per parallel block when writing.
const WRITE_BLOCK: usize = 4096;
/// Blocks serialised at once: bounds the text held in memory to a few tens of MB.
const WRITE_BLOCKS_AT_ONCE: usize = 16;

/// Writes `items` as JSON lines, serialised in parallel blocks and written in order (the bytes
/// are those of a line-by-line write).
fn write_lines<'a, T: Sync>(
    writer: &mut impl Write,
    items: &'a [T],
    line: impl Fn(&'a T) -> OutLine<'a> + Sync + Send,
) -> ConsensusResult<()> {
    for batch in items.chunks(WRITE_BLOCK * WRITE_BLOCKS_AT_ONCE) {
        let texts = map_blocks(batch.len(), WRITE_BLOCK, |range| {
            let mut text = Vec::with_capacity(256 * range.len());
            for item in &batch[range] {
                write_line(&mut text, &line(item))?;
            }
            Ok::<_, ConsensusError>(text)
        });
        for text in texts {
            writer.write_all(&text?)?;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        let mut lines = vec![r#"{"type":"task","id":1,"width":100,"height":100}"#.to_owned()];
        for v in 0..50 {
            lines.push(format!(
                r#"{{"type":"answer","task":1,"volunteer":"v{v}","marks":[{{"x":{v},"y":1,"class":"crater"}}]}}"#
            ));
            if v % 7 == 0 {
                lines.push("{not json".to_owned());
                lines.push("   ".to_owned());
            }
        }
        lines.join("\r\n")
    }

    #[test]
    fn batch_size_does_not_change_what_is_read() {
        let text = text();
        let whole = read_batched(text.as_bytes(), 1 << 20).unwrap();
        for batch in [1, 100, 1000] {
            assert_eq!(
                read_batched(text.as_bytes(), batch).unwrap(),
                whole,
                "{batch}"
            );
        }
        assert_eq!((whole.0.answers.len(), whole.1.skipped), (50, 8));
        assert_eq!(whole.1.lines, 1 + 50 + 16);
        assert!(whole.1.errors[1].starts_with("line 12:"), "{:?}", whole.1);
    }
}
