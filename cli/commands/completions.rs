//! `tacometer completions SHELL` and `tacometer man`: the shell completion
//! scripts and the manual pages, generated from the same flag definitions
//! the parser uses, so they never fall out of date.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap_complete::Shell;

/// Examples shown under `tacometer completions --help`.
pub const EXAMPLES: &str = "\
Examples:
  tacometer completions bash > ~/.local/share/bash-completion/completions/tacometer
  tacometer completions zsh > \"${fpath[1]}/_tacometer\"
  tacometer completions fish > ~/.config/fish/completions/tacometer.fish";

/// Examples shown under `tacometer man --help`.
pub const MAN_EXAMPLES: &str = "\
Examples:
  tacometer man | man -l -
  tacometer man --out ~/.local/share/man/man1   # tacometer.1 and tacometer-check.1, ...";

/// Flags of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    shell: Shell,
}

/// Flags of `man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `tacometer.1` and one page per command into this directory
    /// instead of printing `tacometer.1`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Prints the completion script of `args.shell` for `cmd`.
pub fn run(args: &Args, cmd: &mut clap::Command, out: &mut dyn Write) -> anyhow::Result<u8> {
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, cmd, name, &mut buf);
    out.write_all(&buf)?;
    Ok(0)
}

/// Prints the manual page of `cmd`, or writes every page into `--out`.
pub fn man(args: &ManArgs, cmd: clap::Command, out: &mut dyn Write) -> anyhow::Result<u8> {
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
            eprintln!("tacometer: wrote the manual pages into {}", dir.display());
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            out.write_all(&buf)?;
        }
    }
    Ok(0)
}
