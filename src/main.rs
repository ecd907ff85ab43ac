//! The `stagetrail` binary: see [`stagetrail::cli`].

fn main() {
    std::process::exit(stagetrail::cli::main());
}
