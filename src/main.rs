//! The `stagetrail` binary: the BuildKit frontend (`stagetrail frontend`, the image's
//! entrypoint) and the CLI around it. Each command lives in [`cli`].

mod cli;

fn main() {
    std::process::exit(cli::main());
}
