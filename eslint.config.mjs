// Lint: typescript-eslint's recommended rules, strict about `any` at module boundaries.
import eslint from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "out/"] },
    eslint.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/explicit-module-boundary-types": "error",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-non-null-assertion": "off",
            "no-new": "off",
        },
    },
    {
        // Pulumi's rules need type information: an Output in a plain template literal renders as a warning text.
        files: ["infra/**/*.ts", "github/**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
        },
    },
    {
        // Rules are object literals typed by the Rule interface: their parameters and results are already checked.
        files: ["policy/rules/**/*.ts"],
        rules: { "@typescript-eslint/explicit-module-boundary-types": "off" },
    },
    {
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/explicit-module-boundary-types": "off" },
    },
);
