//! What the examples share: reading `--name value` flags with defaults, without a CLI parser
//! (the examples are for benchmarks and checks; `tessera consensus` is the real command line).

/// The command line, read as `--name value` pairs.
pub struct Args(Vec<String>);

impl Args {
    /// This process's arguments.
    pub fn from_env() -> Self {
        Self(std::env::args().collect())
    }

    /// The value after `name`, if the flag is given and its value parses.
    pub fn opt<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .and_then(|v| v.parse().ok())
    }

    /// The value after `name`, or `default` when the flag is absent or does not parse.
    pub fn get<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        self.opt(name).unwrap_or(default)
    }
}
