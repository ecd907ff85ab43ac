//! Base resolution: scratch, named contexts and registry images (digest-pinned
//! when the resolver knows the digest), as upstream's per-stage errgroup does.

use std::collections::BTreeMap;

use super::checks::{found, At};
use super::ctx::Ctx;
use super::image::Image;
use super::names::prefix_command;
use super::state::{EnvList, StageBase};
use super::{err, ranges, Error};
use stagetrail_llb as llb;
use stagetrail_oci::reference::Reference;

impl Ctx<'_> {
    /// Gives every state without a stage base its starting filesystem and config.
    pub(crate) fn resolve_bases(&mut self) -> Result<(), Error> {
        for i in 0..self.states.len() {
            if self.states[i].base.is_some() || self.states[i].done || self.states[i].resolved {
                continue;
            }
            self.resolve_base(i)?;
            self.states[i].resolved = self.reachable.contains(&i);
        }
        Ok(())
    }

    fn resolve_base(&mut self, i: usize) -> Result<(), Error> {
        let target = self.s.target_platform.clone();
        let span = self.states[i].span;
        let reachable = self.reachable.contains(&i) || self.s.opts.all_stages;
        if self.states[i].base_name == "scratch" {
            let d = &mut self.states[i];
            d.state = llb::State::scratch();
            d.image = Image::empty(&target);
            d.platform = Some(target);
            d.base_kind = StageBase::Scratch;
            d.done = d.unregistered;
            return Ok(());
        }
        let orig = self.states[i].base_name.clone();
        let parsed = Reference::parse_normalized(&orig).map_err(|e| {
            err(
                span,
                format!("failed to parse stage name {orig:?}: {e}"),
                format!(
                    "use an image reference, scratch, or a stage name; {}",
                    self.stage_names()
                ),
            )
        })?;
        let platform = self.states[i].platform_or(&target);
        let tagged = parsed.clone().tag_name_only();
        let tagged_name = tagged.to_string();
        if let Some(c) = self.named_context(&tagged_name, &platform, span)? {
            let d = &mut self.states[i];
            d.image = c.image.unwrap_or_else(|| Image::empty(&target));
            d.base_img = Some(d.image.clone());
            d.state = c.state.with_platform(llb::pb::Platform::from(&platform));
            d.platform = Some(platform);
            d.base_kind = StageBase::Context(tagged.familiar_without_latest());
            d.done = d.unregistered;
            return Ok(());
        }
        let mut name = tagged_name.clone();
        let mut is_scratch = false;
        let mut digest = None;
        if reachable {
            let resolved = self.resolve(&tagged_name, &platform).map_err(|e| {
                err(
                    span,
                    format!("{orig}: {e}"),
                    format!("check the image name and tag; {}", self.stage_names()),
                )
            })?;
            let mut img = Image::from_json(&resolved.config)
                .map_err(|e| err(span, e, "the resolver returned an invalid image config"))?;
            self.states[i].base_img = Some(img.clone());
            img.created = None;
            if let Some(d) = &resolved.digest {
                name = format!("{tagged}@{d}");
            }
            digest.clone_from(&resolved.digest);
            // Only a config that describes its layers can prove the image empty.
            is_scratch = resolved.config.get("rootfs").is_some() && img.has_no_layers();
            if !is_scratch {
                let warning = found::base_platform(&orig, &platform, &resolved.config, span);
                self.found(At::Base, warning);
            }
            self.states[i].image = img;
        }
        let multi = self.s.multi_platform;
        let mut attrs = BTreeMap::new();
        if let Some(mode) = self.s.opts.image_resolve_mode.as_deref() {
            if mode == "pull" || mode == "local" {
                attrs.insert("image.resolvemode".to_string(), mode.to_string());
            }
        }
        let d = &mut self.states[i];
        d.base_name.clone_from(&name);
        d.base_kind = StageBase::Image {
            reference: tagged_name,
            digest,
        };
        if is_scratch {
            d.state = llb::State::scratch();
        } else {
            let custom = prefix_command(
                d,
                &format!("FROM {name}"),
                multi,
                Some(&platform),
                &EnvList::default(),
            );
            let mut meta = llb::OpMeta::named(custom);
            meta.description.insert(
                "com.docker.dockerfile.v1.command".to_string(),
                d.source_code.clone(),
            );
            if d.has_location {
                meta.locations = ranges(span);
            }
            d.state = llb::State::source(
                &format!("docker-image://{name}"),
                attrs,
                Some(llb::pb::Platform::from(&platform)),
                meta,
            );
        }
        d.platform = Some(platform);
        d.done = d.unregistered;
        Ok(())
    }
}
