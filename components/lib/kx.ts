// The only module that imports @pulumi/kubernetesx. The package is archived (last release 2021, peer range
// @pulumi/kubernetes ^3; package.json carries the npm `overrides` entry that lets it install against 4.x),
// so we use just its pod builder (env/port maps, mounts that declare their volume) and keep it replaceable
// behind this one function.

import * as k8s from "@pulumi/kubernetes";
import * as kx from "@pulumi/kubernetesx";
import * as pulumi from "@pulumi/pulumi";

export type Container = kx.types.Container;
export type EnvMap = kx.types.EnvMap;
export type PodSpec = kx.types.PodSpec;

/** Expands kx's pod shorthand (env and port maps, volume-carrying mounts) into a plain PodSpec. */
export function buildPodSpec(spec: PodSpec): pulumi.Output<k8s.types.input.core.v1.PodSpec> {
    return new kx.PodBuilder(spec).podSpec;
}
