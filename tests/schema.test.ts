import * as assert from "assert";
import { modelFor } from "./crdSchemas";
import { STACKS, describe_, k8sObjects, loadStack } from "./harness";

describe("API schema (kubernetes-models)", () => {
    for (const stack of STACKS) {
        it(`every Kubernetes object of ${stack} validates against the API schema`, async () => {
            const l = await loadStack(stack);
            const objects = k8sObjects(l);
            assert.ok(objects.length > 10, "expected a full platform");
            const failures: string[] = [];
            for (const r of objects) {
                try {
                    const Model = modelFor(r.inputs.apiVersion, r.inputs.kind);
                    new Model(r.inputs).validate();
                } catch (e) {
                    failures.push(`${describe_(r)}: ${(e as Error).message}`);
                }
            }
            assert.deepStrictEqual(failures, []);
        });
    }

    it("the validator really rejects a broken object (the check can fail)", () => {
        const Model = modelFor("apps/v1", "Deployment");
        assert.throws(() => new Model({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two" } }).validate());
    });
});
