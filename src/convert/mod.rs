//! Dockerfile → LLB conversion: stage DAG, ARG/ENV scoping, lowering, image config.
