# The policy of the "Container Attestations" guide, as `cosign verify-attestation --type
# slsaprovenance --policy policy.rego` runs it, and as `stagetrail verify IMAGE --rego policy.rego`
# runs it offline: evaluated once per SLSA provenance attestation of each platform.
#
#   input.predicateType    this attestation's predicate type
#   input.predicate        its predicate (SLSA v0.2 or v1 provenance)
#   input.predicateTypes   stagetrail: every predicate type attached to the platform (and index)
#
# The image passes when `allow` is true; `deny` says why it is not.
package attestations

import rego.v1

# Builder ids trusted to produce images (BuildKit writes one when told:
# --provenance=mode=max,builder-id=https://github.com/example/ci).
trusted_builders := {
	"https://github.com/example/ci",
	"https://github.com/actions/runner",
}

max_age_ns := ((7 * 24) * 60) * 60 * 1000000000

spdx := "https://spdx.dev/Document"

default allow := false

allow if count(deny) == 0

# SLSA v0.2 and v1 name the builder and the finish time in different places.
default builder_id := ""

builder_id := input.predicate.builder.id if {
	input.predicateType == "https://slsa.dev/provenance/v0.2"
} else := input.predicate.runDetails.builder.id

finished_on := input.predicate.metadata.buildFinishedOn if {
	input.predicateType == "https://slsa.dev/provenance/v0.2"
} else := input.predicate.runDetails.metadata.finishedOn

deny contains msg if {
	not spdx in input.predicateTypes
	msg := sprintf("no SPDX SBOM attestation (%s) on the image", [spdx])
}

deny contains msg if {
	not builder_id in trusted_builders
	msg := sprintf("builder %q is not trusted", [builder_id])
}

deny contains msg if {
	not finished_on
	msg := "the provenance has no build finish time"
}

deny contains msg if {
	age := time.now_ns() - time.parse_rfc3339_ns(finished_on)
	age > max_age_ns
	msg := sprintf("built %s, more than 7 days ago", [finished_on])
}
