//! The stages a build ran, for `sbom_per_stage`: from a stagetrail build record (a predicate with a
//! `stages` array), else from the Dockerfile that BuildKit's max-mode provenance embeds
//! (`…buildkit@v1#metadata`/`buildkit_metadata` `.source.infos[].data`): the stages reachable from
//! the build target (`args.target`, else the last stage), as BuildKit builds them.
//!
//! A stage is named by its `AS` name, else by its index (`"0"`, `"1"`, …).

use base64::Engine as _;
use serde_json::Value;

/// The stage names of a build record predicate (`stages: [{name, index}, …]` or
/// `stages: ["name", …]`); a stage without a name is `stage-<index>`, as its SBOMs name it.
pub fn from_record(predicate: &Value) -> Option<Vec<String>> {
    let names: Vec<String> = predicate
        .get("stages")?
        .as_array()?
        .iter()
        .filter_map(|s| match s.get("name").unwrap_or(s).as_str() {
            Some(name) => Some(name.to_string()),
            None => s
                .get("index")
                .and_then(Value::as_u64)
                .map(|i| format!("stage-{i}")),
        })
        .collect();
    (!names.is_empty()).then_some(names)
}

/// The Dockerfile text and target of a BuildKit SLSA v0.2 or v1 provenance predicate.
pub fn dockerfile_of(predicate: &Value) -> Option<(String, Option<String>)> {
    let v02 = predicate.pointer("/metadata/https:~1~1mobyproject.org~1buildkit@v1#metadata");
    let v1 = predicate.pointer("/runDetails/metadata/buildkit_metadata");
    let infos = v02.or(v1)?.pointer("/source/infos")?.as_array()?;
    let info = infos.iter().find(|i| {
        i.get("language").and_then(Value::as_str) == Some("Dockerfile")
            || i.get("filename")
                .and_then(Value::as_str)
                .is_some_and(|f| f.to_ascii_lowercase().ends_with("dockerfile"))
    })?;
    let data = base64::engine::general_purpose::STANDARD
        .decode(info.get("data")?.as_str()?)
        .ok()?;
    let target = predicate
        .pointer("/invocation/parameters/args/target")
        .or(predicate.pointer("/buildDefinition/externalParameters/request/args/target"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Some((String::from_utf8_lossy(&data).into_owned(), target))
}

/// The stages a build of `dockerfile` ran for `target` (else the last stage), in file order.
pub fn reachable_stages(dockerfile: &str, target: Option<&str>) -> Result<Vec<String>, String> {
    let parsed = stagetrail_dockerfile::parse(dockerfile).map_err(|e| e.to_string())?;
    stagetrail_convert::stages_built(&parsed, target).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DF: &str = "FROM debian AS base\nRUN true\nFROM alpine AS tools\nFROM base AS build\n\
RUN --mount=type=cache,from=tools,target=/t true\nFROM alpine AS unused\nFROM scratch\nCOPY --from=build /b /b\n";

    #[test]
    fn reachable_from_the_last_stage_or_target() {
        // `unused` is not built; a `--mount from=` stage is.
        assert_eq!(
            reachable_stages(DF, None).unwrap(),
            ["base", "tools", "build", "4"]
        );
        assert_eq!(
            reachable_stages(DF, Some("build")).unwrap(),
            ["base", "tools", "build"]
        );
        assert!(reachable_stages(DF, Some("nope"))
            .unwrap_err()
            .contains("nope"));
        // A mount may not name a later stage (BuildKit refuses the build).
        let later = "FROM alpine AS a\nRUN --mount=from=b,target=/t true\nFROM alpine AS b\n";
        assert!(reachable_stages(later, Some("a"))
            .unwrap_err()
            .contains("stage needs to be defined before"));
        let df = "FROM alpine AS tools\nFROM debian\nRUN --mount=from=tools,target=/t true\nCOPY --from=0 /a /a\n";
        assert_eq!(reachable_stages(df, None).unwrap(), ["tools", "1"]);
    }

    #[test]
    fn reads_provenance_and_records() {
        let data = base64::engine::general_purpose::STANDARD.encode(DF);
        let v02 = json!({"invocation": {"parameters": {"args": {"target": "build"}}},
            "metadata": {"https://mobyproject.org/buildkit@v1#metadata": {"source": {"infos": [
                {"filename": "Dockerfile", "language": "Dockerfile", "data": data}]}}}});
        let (text, target) = dockerfile_of(&v02).unwrap();
        assert_eq!(text, DF);
        assert_eq!(target.as_deref(), Some("build"));
        let v1 = json!({"runDetails": {"metadata": {"buildkit_metadata": {"source": {"infos": [
                {"filename": "Dockerfile", "data": data}]}}}}});
        assert_eq!(dockerfile_of(&v1).unwrap().1, None);
        assert_eq!(dockerfile_of(&json!({"builder": {"id": ""}})), None);
        assert_eq!(
            from_record(&json!({"stages": [{"name": "a"}, "b", {"index": 2}]})),
            Some(vec![
                "a".to_string(),
                "b".to_string(),
                "stage-2".to_string()
            ])
        );
        assert_eq!(from_record(&json!({"stages": []})), None);
    }
}
