//! `ARG` in a stage (upstream `dispatchArg`): the value in effect (build-arg, else the default,
//! else the global ARG), the environment of later `RUN`s, and the history text, which differs
//! between [`Dialect`]s.

use std::collections::HashMap;

use super::checks::step;
use super::ctx::Ctx;
use super::dialect::Dialect;
use super::outline::arg_info;
use super::state::{BuildArg, EnvList};
use super::{err, words, Error};
use crate::redact::{is_credential_name, REDACTED};
use stagetrail_dockerfile::ast::{ArgDecl, Span};

/// ARGs that never become environment variables.
pub(crate) const NON_ENV_ARGS: &[&str] =
    &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Dispatches `ARG decls` on state `i` and commits its history entry.
pub(crate) fn dispatch_arg(
    ctx: &mut Ctx,
    i: usize,
    span: Span,
    decls: &[ArgDecl],
    comments: &[String],
) -> Result<(), Error> {
    let dialect = ctx.s.opts.dialect;
    let lexer = ctx.lexer.clone();
    // BuildKit 0.13 expands the whole instruction before dispatching it (against the environment
    // as it was: a snapshot, and the additions wait until it is released so that adding does not
    // copy the list); later releases expand each default when it is used, seeing the ARGs
    // declared before it on the same line.
    let start_env = dialect
        .expands_arg_names()
        .then(|| ctx.states[i].env.clone());
    let expand = |w: &str, env: &EnvList| {
        words::word(&lexer, w, env)
            .map_err(|e| err(span, e, "check the variables this instruction uses"))
    };
    let mut shown = Vec::new();
    let mut env_adds = Vec::new();
    for (n, decl) in decls.iter().enumerate() {
        let key = match &start_env {
            Some(env) => expand(&decl.name, env)?,
            None => decl.name.clone(),
        };
        let cli = ctx.s.opts.build_args.get(&key).cloned();
        if let (Some(v), None) = (&decl.default, &cli) {
            let warnings = ctx.lint_scope(i, start_env.as_ref()).undefined_in(v, span);
            ctx.found_at_step(step::arg_default(n), warnings);
        }
        let default = match (&decl.default, &start_env) {
            (Some(v), Some(env)) => Some(expand(v, env)?),
            (Some(v), None) if cli.is_none() => Some(expand(v, &ctx.states[i].env)?),
            _ => None,
        };
        let global = ctx
            .meta_args
            .iter()
            .rfind(|(k, _)| *k == key)
            .and_then(|(_, v)| v.clone());
        // An ARG that only takes the global value keeps the global definition in the outline.
        let own_definition = cli.is_some() || decl.default.is_some() || global.is_none();
        let value = cli.or_else(|| default.clone()).or(global);
        let info = own_definition.then(|| {
            let decl = ArgDecl {
                name: key.clone(),
                default: None,
            };
            arg_info(&decl, comments, value.as_deref(), span, Default::default())
        });
        ctx.states[i].outline.define(info, &key);
        shown.push(history_word(dialect, &key, &default, &value));
        let d = &mut ctx.states[i];
        if let Some(v) = &value {
            if !NON_ENV_ARGS.contains(&key.as_str()) {
                if start_env.is_some() {
                    env_adds.push((key.clone(), v.clone()));
                } else {
                    d.env.add(&key, v);
                }
            }
        }
        if let Some(f) = d.facts.last_mut() {
            f.args.push(key.clone());
        }
        d.build_args.push((key, value));
    }
    drop(start_env);
    for (k, v) in env_adds {
        ctx.states[i].env.add(&k, &v);
    }
    let created = ctx.epoch.clone();
    ctx.states[i].image.commit(
        &format!("ARG {}", shown.join(" ")),
        false,
        false,
        created.as_deref(),
    );
    Ok(())
}

/// One declaration in the history text: `NAME` or `NAME=value`, where the value is the default
/// as written (expanded) for BuildKit 0.13 and the value in effect for later releases; unlike
/// upstream, a credential-like ARG's value is redacted (as in `RUN |N`).
fn history_word(
    dialect: Dialect,
    key: &str,
    default: &Option<String>,
    value: &Option<String>,
) -> String {
    let shown = if dialect.arg_history_has_value() {
        value
    } else {
        default
    };
    match shown {
        Some(v) if !v.is_empty() && is_credential_name(key) => format!("{key}={REDACTED}"),
        Some(v) => format!("{key}={v}"),
        None => key.to_string(),
    }
}

/// The ARGs a `RUN`'s history names (`|N K=v …`): in BuildKit 0.13 every declaration of the
/// stage, in later releases the base stage's first, each name once at its first place with its
/// last value.
pub(crate) fn run_args(
    dialect: Dialect,
    inherited: &[BuildArg],
    own: &[BuildArg],
) -> Vec<BuildArg> {
    let all = inherited.iter().chain(own);
    if !dialect.dedups_run_args() {
        return all.cloned().collect();
    }
    // An index by name: a stage with thousands of ARGs and many RUNs stays linear.
    let mut out: Vec<BuildArg> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (k, v) in all {
        match at.get(k.as_str()) {
            Some(&slot) => out[slot].1.clone_from(v),
            None => {
                at.insert(k, out.len());
                out.push((k.clone(), v.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(k: &str, v: Option<&str>) -> BuildArg {
        (k.to_string(), v.map(str::to_string))
    }

    #[test]
    fn history_shows_the_default_or_the_value_in_effect() {
        let default = Some("default".to_string());
        let cli = Some(String::new());
        assert_eq!(
            history_word(Dialect::V0_13, "A", &default, &cli),
            "A=default"
        );
        assert_eq!(history_word(Dialect::V0_25, "A", &None, &cli), "A=");
        let global = Some("world".to_string());
        assert_eq!(history_word(Dialect::V0_13, "NAME", &None, &global), "NAME");
        assert_eq!(
            history_word(Dialect::V0_25, "NAME", &None, &global),
            "NAME=world"
        );
        assert_eq!(history_word(Dialect::V0_25, "UNSET", &None, &None), "UNSET");
        let token = Some("s3cr3t".to_string());
        for dialect in Dialect::ALL {
            assert_eq!(
                history_word(dialect, "API_TOKEN", &token, &token),
                "API_TOKEN=[redacted]"
            );
        }
    }

    #[test]
    fn run_args_name_each_arg_once_from_0_25() {
        let inherited = [arg("G", Some("1")), arg("L", Some("a"))];
        let own = [arg("L", Some("b")), arg("N", None), arg("L", Some("c"))];
        assert_eq!(
            run_args(Dialect::V0_13, &[], &own),
            vec![arg("L", Some("b")), arg("N", None), arg("L", Some("c"))]
        );
        assert_eq!(
            run_args(Dialect::V0_25, &inherited, &own),
            vec![arg("G", Some("1")), arg("L", Some("c")), arg("N", None)]
        );
    }
}
