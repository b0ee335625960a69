/** Every rule of the platform's policy pack. */
import type { Rule } from "../types";
import { AWS_RULES } from "./aws";
import { GITHUB_RULES } from "./github";
import { KUBERNETES_RULES } from "./kubernetes";

export const RULES: readonly Rule[] = [...AWS_RULES, ...GITHUB_RULES, ...KUBERNETES_RULES];
