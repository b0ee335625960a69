/**
 * The two account topologies the IAM tests run in: the shipped stack files (three accounts, Pulumi.yaml
 * `environments.<stack>.awsAccountId`) and a fixture with the three ids equal (one shared account, as
 * test/day0.test.ts does). Each is planned once per test run.
 */
import type { Plan } from "../tools/mock-engine";
import { STACKS, plan, projectCopy, realPlan } from "./harness";

export const SHARED_ACCOUNT = "111122223333";
let sharedPlans: Promise<Plan[]> | undefined;

function sharedAccount(): Promise<Plan[]> {
    sharedPlans ??= (() => {
        const directory = projectCopy("Pulumi.yaml", (document) => {
            for (const stack of STACKS) document.setIn(["config", "environments", "value", stack, "awsAccountId"], SHARED_ACCOUNT);
        });
        return Promise.all(STACKS.map((stack) => plan(stack, { directory })));
    })();
    return sharedPlans;
}

export const TOPOLOGIES: Record<string, () => Promise<Plan[]>> = {
    "three accounts": () => Promise.all(STACKS.map((stack) => realPlan(stack))),
    "one shared account": sharedAccount,
};
