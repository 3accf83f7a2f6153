//! The one interface of every format's writer.

use crate::error::ExportResult;
use crate::site::ExportSite;

/// Receives sites one at a time and writes them out in one format.
///
/// Call [`SiteSink::write`] for every site, then [`SiteSink::finish`]: only a finished sink has
/// written a complete file. After any error the output is incomplete and must be discarded.
pub trait SiteSink: Send {
    /// Validates one site ([`ExportSite::validate`]) and writes it.
    fn write(&mut self, site: &ExportSite) -> ExportResult<()>;

    /// Writes what closes the file and flushes the output.
    fn finish(self: Box<Self>) -> ExportResult<()>;
}
