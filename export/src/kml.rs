//! KML 2.2 for Google Earth: one Placemark per site, a Style (colour) per class, the properties
//! as ExtendedData, the provenance in the Document's description.
//!
//! Hand-written streaming XML: the `kml` crate builds the whole tree in memory. Every text comes
//! from users (site ids, class names, campaign names), so everything is escaped ([`escape`]).

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

use crate::error::{ExportResult, io};
use crate::format::Format;
use crate::sink::SiteSink;
use crate::site::{ExportSite, PROPERTIES, Provenance};

/// Streams a KML Document.
pub(crate) struct KmlSink<W: Write> {
    out: BufWriter<W>,
    /// The campaign's classes, in the order of their styles `class-0`, `class-1`, …
    classes: Vec<String>,
    /// One Placemark's text, reused across sites.
    buf: String,
}

impl<W: Write> KmlSink<W> {
    pub(crate) fn new(out: W, provenance: &Provenance) -> ExportResult<Self> {
        let mut head = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n",
        );
        let _ = writeln!(head, "<name>{}</name>", escape(&provenance.campaign_name));
        let _ = writeln!(
            head,
            "<description>{}</description>",
            escape(&provenance.to_json_pretty())
        );
        for (index, _) in provenance.classes.iter().enumerate() {
            style(&mut head, &format!("class-{index}"), colour(index));
        }
        // Sites whose class is not among the campaign's (renamed since) still get a style.
        style(&mut head, "class-other", "ff808080");
        let mut out = BufWriter::new(out);
        out.write_all(head.as_bytes()).map_err(io(Format::Kml))?;
        Ok(Self {
            out,
            classes: provenance.classes.clone(),
            buf: String::new(),
        })
    }
}

impl<W: Write + Send> SiteSink for KmlSink<W> {
    fn write(&mut self, site: &ExportSite) -> ExportResult<()> {
        site.validate()?;
        let (lon, lat) = site.rounded_position();
        let b = &mut self.buf;
        b.clear();
        let _ = write!(b, "<Placemark><name>{}</name>", escape(&site.id));
        match self.classes.iter().position(|class| *class == site.class) {
            Some(index) => {
                let _ = write!(b, "<styleUrl>#class-{index}</styleUrl>");
            }
            None => b.push_str("<styleUrl>#class-other</styleUrl>"),
        }
        b.push_str("<ExtendedData>");
        let values = [
            Some(site.id.clone()),
            Some(site.class.clone()),
            Some(site.confidence.to_string()),
            Some(site.support.to_string()),
            Some(site.seen_by.to_string()),
            Some(site.uncertainty_m.to_string()),
            Some(site.status.clone()),
            site.damaged_after.clone(),
            site.damaged_before.clone(),
            site.date_confidence.map(|v| v.to_string()),
            site.consensus_run.clone(),
            Some(site.frames_joined()),
            site.reviewed_at.clone(),
        ];
        // An absent value has no Data element: KML has no null.
        for (name, value) in PROPERTIES.iter().zip(values) {
            if let Some(value) = value {
                let _ = write!(
                    b,
                    "<Data name=\"{name}\"><value>{}</value></Data>",
                    escape(&value)
                );
            }
        }
        let _ = writeln!(
            b,
            "</ExtendedData><Point><coordinates>{lon},{lat}</coordinates></Point></Placemark>"
        );
        self.out.write_all(b.as_bytes()).map_err(io(Format::Kml))
    }

    fn finish(mut self: Box<Self>) -> ExportResult<()> {
        self.out
            .write_all(b"</Document>\n</kml>\n")
            .map_err(io(Format::Kml))?;
        self.out.flush().map_err(io(Format::Kml))
    }
}

/// Appends a point style: a pushpin tinted `colour`, labels hidden (ids would clutter the map;
/// they are in each Placemark's balloon).
fn style(out: &mut String, id: &str, colour: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "<Style id=\"{id}\"><IconStyle><color>{colour}</color></IconStyle>\
         <LabelStyle><scale>0</scale></LabelStyle></Style>"
    );
}

/// Well-separated colours (red first: the usual colour of damage), as KML's `aabbggrr`.
const PALETTE: [u32; 9] = [
    0xe1_57_59, 0xf2_8e_2b, 0xed_c9_48, 0x59_a1_4f, 0x4e_79_a7, 0xb0_7a_a1, 0x76_b7_b2, 0xff_9d_a7,
    0x9c_75_5f,
];

/// The colour of the `index`th class: the palette, then hues a golden angle apart, which stay
/// distinct for any number of classes.
fn colour(index: usize) -> String {
    let rgb = PALETTE.get(index).copied().unwrap_or_else(|| {
        #[expect(
            clippy::cast_precision_loss,
            reason = "a campaign has far fewer than 2^52 classes"
        )]
        let hue = (index as f64 * 137.508).rem_euclid(360.0);
        hsv_to_rgb(hue, 0.65, 0.9)
    });
    let [_, r, g, b] = rgb.to_be_bytes();
    format!("ff{b:02x}{g:02x}{r:02x}")
}

/// HSV (hue in degrees, saturation and value in `[0, 1]`) to `0xRRGGBB`.
fn hsv_to_rgb(hue: f64, saturation: f64, value: f64) -> u32 {
    let chroma = value * saturation;
    let second = chroma * (1.0 - ((hue / 60.0).rem_euclid(2.0) - 1.0).abs());
    let (red, green, blue) = match hue {
        h if h < 60.0 => (chroma, second, 0.0),
        h if h < 120.0 => (second, chroma, 0.0),
        h if h < 180.0 => (0.0, chroma, second),
        h if h < 240.0 => (0.0, second, chroma),
        h if h < 300.0 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let lift = value - chroma;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "each channel is in [0, 255] by construction"
    )]
    let byte = |channel: f64| ((channel + lift) * 255.0).round() as u32;
    (byte(red) << 16) | (byte(green) << 8) | byte(blue)
}

/// Escapes text for XML content and attributes. A character XML 1.0 cannot hold at all (a
/// control character other than tab and line breaks) becomes U+FFFD; `\r` is kept as a
/// character reference, which parsers would otherwise turn into `\n`.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_unrepresentable_characters() {
        assert_eq!(
            escape("a<b>&\"c'\r\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#13;\u{fffd}"
        );
    }

    #[test]
    fn colours_are_distinct_for_many_classes() {
        let colours: std::collections::HashSet<_> = (0..50).map(colour).collect();
        assert_eq!(colours.len(), 50);
        assert_eq!(colour(0), "ff5957e1");
    }
}
