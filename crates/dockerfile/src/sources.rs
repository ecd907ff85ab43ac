//! COPY and ADD: flags, sources (paths and heredocs) and destination.

use super::ast::{Add, Copy, Heredoc, SourcesAndDest};
use super::error::Error;
use super::flags::FlagKind;
use super::heredoc::{chomp_content, is_heredoc};
use super::instruction_ctx::Ctx;

/// `parseSourcesAndDest`: heredoc words become inline sources, the rest paths.
fn sources_and_dest(ctx: &Ctx, name: &str) -> Result<SourcesAndDest, Error> {
    let args = &ctx.node.args;
    let Some((dest, srcs)) = args.split_last() else {
        return Err(no_destination(ctx, name));
    };
    if is_heredoc(&dest.text).is_some() {
        return Err(ctx
            .err_at(
                dest.off,
                format!("{name} cannot accept a heredoc as a destination"),
            )
            .with_hint("the last argument must be a path"));
    }
    let mut sources = Vec::new();
    let mut heredocs = Vec::new();
    for src in srcs {
        match is_heredoc(&src.text) {
            Some(word) => {
                let body = ctx
                    .heredocs
                    .iter()
                    .rev()
                    .find(|h| h.word.name == word.name)
                    .map(|h| h.content.clone())
                    .unwrap_or_default();
                heredocs.push(Heredoc {
                    content: if word.chomp {
                        chomp_content(&body)
                    } else {
                        body.clone()
                    },
                    raw: body,
                    name: word.name,
                    expand: word.expand,
                    chomp: word.chomp,
                });
            }
            None => sources.push(src.text.clone()),
        }
    }
    Ok(SourcesAndDest {
        sources,
        heredocs,
        dest: dest.text.clone(),
    })
}

fn no_destination(ctx: &Ctx, name: &str) -> Error {
    ctx.err(format!(
        "{name} requires at least two arguments, but only one was provided. Destination could not be determined"
    ))
    .with_hint(format!("write `{name} <src>... <dest>`"))
}

/// `ADD [--chown] [--chmod] [--link] [--checksum] [--keep-git-dir] [--unpack] [--exclude]… src… dest`.
pub(crate) fn parse_add(ctx: &Ctx) -> Result<Add, Error> {
    if ctx.node.args.len() < 2 {
        return Err(no_destination(ctx, "ADD"));
    }
    let flags = ctx.flags(&[
        ("exclude", FlagKind::Strings),
        ("chown", FlagKind::String),
        ("chmod", FlagKind::String),
        ("link", FlagKind::Bool),
        ("keep-git-dir", FlagKind::Bool),
        ("checksum", FlagKind::String),
        ("unpack", FlagKind::Bool),
    ])?;
    Ok(Add {
        paths: sources_and_dest(ctx, "ADD")?,
        chown: flags.nonempty("chown"),
        chmod: flags.nonempty("chmod"),
        link: flags.bool("link").unwrap_or(false),
        checksum: flags.nonempty("checksum"),
        keep_git_dir: flags.bool("keep-git-dir").unwrap_or(false),
        unpack: flags.bool("unpack"),
        exclude: flags.strings("exclude"),
    })
}

/// `COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude]… src… dest`.
pub(crate) fn parse_copy(ctx: &Ctx) -> Result<Copy, Error> {
    if ctx.node.args.len() < 2 {
        return Err(no_destination(ctx, "COPY"));
    }
    let flags = ctx.flags(&[
        ("exclude", FlagKind::Strings),
        ("parents", FlagKind::Bool),
        ("chown", FlagKind::String),
        ("from", FlagKind::String),
        ("chmod", FlagKind::String),
        ("link", FlagKind::Bool),
    ])?;
    Ok(Copy {
        paths: sources_and_dest(ctx, "COPY")?,
        from: flags.nonempty("from"),
        chown: flags.nonempty("chown"),
        chmod: flags.nonempty("chmod"),
        link: flags.bool("link").unwrap_or(false),
        parents: flags.bool("parents").unwrap_or(false),
        exclude: flags.strings("exclude"),
    })
}
