// Reads and validates the stack config, builds the platform, and exports where everything is.
// Nothing is registered until the config is valid.

import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./components/config";
import { DataPlatform } from "./components/platform";

const cfg = loadConfig();
const platform = new DataPlatform("lakehouse", cfg);

/** Per service: in-cluster URL, external address when known, and a port-forward command. */
export const endpoints = platform.endpoints;
/** Generated credentials per service; a secret output (`pulumi stack output credentials --show-secrets`). */
export const credentials = pulumi.secret(platform.credentials);
export const kubeContext = cfg.kubeContext;
export const namespaces = platform.namespaces;
export const services = platform.enabledServices;
/** The cluster layer: MetalLB's pool, each exposed service's LoadBalancer address, the operator, the teams. */
export const metallbRange = platform.metallbRange ?? null;
export const loadBalancerAddresses = platform.loadBalancerAddresses;
export const sparkOperator = platform.sparkOperator;
export const teams = platform.tenants;
