//! `nango-server`: parse the command line and hand over to the library.

use clap::Parser;
use nango_backend::telemetry::{self, LogFormat};
use std::io::IsTerminal;

fn main() -> std::process::ExitCode {
    fixed_malloc_thresholds();
    trim_after_bursts();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc's malloc raises its mmap threshold each time a large block (a proxied body, a big
/// response) is freed, and its trim threshold with it, up to 32 and 64 MiB: from then on the
/// heap a burst of load leaves free is kept, never handed back, and resident memory stays at the
/// burst's peak. Fixed thresholds (the defaults, without the raising) give it back, which keeps
/// the server within its memory budget (BENCHMARKS.md) at no measured cost to its rates. Set
/// before any other thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn fixed_malloc_thresholds() {
    // SAFETY: `mallopt` only sets two of the allocator's parameters, called once on the main
    // thread before the runtime starts any other; a refusal (returns 0) leaves glibc's defaults.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_malloc_thresholds() {}

/// Even with fixed thresholds, glibc gives back only the free memory at the top of its heaps:
/// what a burst of load frees between blocks still in use stays resident. A thread looks once
/// a second at the CPU time the process used; when a second passes almost idle (under 20 ms)
/// after at least a second of CPU since the last trim, it calls `malloc_trim`, which hands
/// every whole free page back. It never runs under load, and once per burst.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim_after_bursts() {
    use std::time::Duration;
    fn cpu_time() -> Duration {
        // SAFETY: `getrusage` fills the zeroed struct it is given and touches nothing else.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            usage
        };
        let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        time(usage.ru_utime) + time(usage.ru_stime)
    }
    let spawned = std::thread::Builder::new().name("malloc-trim".into()).spawn(|| {
        let (mut last, mut bursts) = (cpu_time(), BurstWatch::default());
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let now = cpu_time();
            if bursts.second_passed(now.saturating_sub(last)) {
                // SAFETY: `malloc_trim` takes each arena's lock while it releases free pages;
                // it is safe to call from any thread at any time.
                unsafe { libc::malloc_trim(0) };
            }
            last = now;
        }
    });
    if let Err(error) = spawned {
        eprintln!("warning: no malloc-trim thread: {error}");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_after_bursts() {}

/// When to trim: after a second of CPU since the last trim, at the first almost idle second.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
#[derive(Default)]
struct BurstWatch {
    since_trim: std::time::Duration,
}

impl BurstWatch {
    const IDLE: std::time::Duration = std::time::Duration::from_millis(20);
    const BURST: std::time::Duration = std::time::Duration::from_secs(1);

    /// A second passed in which the process used `used` of CPU: trim now?
    fn second_passed(&mut self, used: std::time::Duration) -> bool {
        self.since_trim += used;
        let trim = used < Self::IDLE && self.since_trim >= Self::BURST;
        if trim {
            self.since_trim = std::time::Duration::ZERO;
        }
        trim
    }
}

async fn run() -> std::process::ExitCode {
    let format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let cli = nango_backend::cli::Cli::parse();
    // `--log-level`, else RUST_LOG (clap reads it), else info; colour only on a terminal.
    let filter = match telemetry::parse_filter(
        cli.settings.log_level.as_deref().filter(|f| !f.trim().is_empty()).unwrap_or("info"),
    ) {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    telemetry::init(filter, format, std::io::stderr().is_terminal(), std::io::stderr);
    match nango_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", nango_backend::cli::describe(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BurstWatch;
    use std::time::Duration;

    #[test]
    fn the_heap_is_trimmed_once_after_each_burst_and_never_under_load() {
        let mut watch = BurstWatch::default();
        let ms = Duration::from_millis;
        // Idle from the start: nothing to give back.
        assert!(!watch.second_passed(ms(1)));
        assert!(!watch.second_passed(ms(5)));
        // Under load: never, however long it lasts.
        for _ in 0..5 {
            assert!(!watch.second_passed(ms(1500)));
        }
        // The first idle second after it: once.
        assert!(watch.second_passed(ms(3)));
        assert!(!watch.second_passed(ms(3)));
        // Light traffic that adds up to a second of CPU, then idle: once more.
        for _ in 0..30 {
            assert!(!watch.second_passed(ms(40)));
        }
        assert!(watch.second_passed(ms(0)));
    }
}
