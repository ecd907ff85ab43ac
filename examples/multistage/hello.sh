#!/bin/sh
echo "hello from a stagetrail-built image"
