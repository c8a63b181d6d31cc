// A StatefulSet's pods started the way its controller starts them (kubernetes.io/docs/concepts/workloads/
// controllers/statefulset/#pod-management-policies): under OrderedReady (the default) pod N+1 is created
// only once pod N is Running and Ready; under Parallel all pods are created at once.

import type { Proc } from "./processes";

export interface StartedPod {
    ordinal: number;
    procs: Proc[];
}

/**
 * Starts `replicas` pods with `startPod(ordinal)` and waits with `ready(pod)` (which throws when its bounded
 * wait runs out), in the order the StatefulSet's podManagementPolicy dictates. Under OrderedReady a pod that
 * never becomes Ready is reported with the pods the controller would never have created.
 */
export async function startStatefulSet(
    sts: any,
    startPod: (ordinal: number) => Promise<Proc[]> | Proc[],
    ready: (pod: StartedPod) => Promise<unknown>,
): Promise<StartedPod[]> {
    const replicas: number = sts.spec.replicas ?? 1;
    const policy: string = sts.spec.podManagementPolicy ?? "OrderedReady";
    const pods: StartedPod[] = [];
    if (policy === "Parallel") {
        for (let i = 0; i < replicas; i++) pods.push({ ordinal: i, procs: await startPod(i) });
        await Promise.all(pods.map(ready));
        return pods;
    }
    if (policy !== "OrderedReady") throw new Error(`StatefulSet ${sts.metadata.name}: unknown podManagementPolicy ${policy}`);
    for (let i = 0; i < replicas; i++) {
        const pod = { ordinal: i, procs: await startPod(i) };
        pods.push(pod);
        try {
            await ready(pod);
        } catch (e) {
            const never = Array.from({ length: replicas - i - 1 }, (_, k) => `${sts.metadata.name}-${i + 1 + k}`);
            throw new Error(
                `StatefulSet ${sts.metadata.name} (podManagementPolicy OrderedReady): ${sts.metadata.name}-${i} never became Ready` +
                    (never.length ? `, so ${never.join(", ")} would never be created` : "") +
                    `:\n${(e as Error).message}`,
            );
        }
    }
    return pods;
}
