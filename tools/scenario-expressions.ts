/**
 * `${{ }}` and `if:` of a job, evaluated by GitHub's own expression engine (@actions/expressions: its Lexer, Parser and
 * Evaluator), with the contexts a runner provides and the status functions, whose meaning depends on the job's state:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions
 * An `if:` without a status function is `success() && (...)`, as GitHub applies it (same page), and may be written
 * with or without `${{ }}`.
 */
import { join } from "node:path";
import type * as Expressions from "@actions/expressions";
import type { ExpressionData } from "@actions/expressions/data/expressiondata";

// The package is ESM-only with an "import"-only exports map: Node 22 loads it by file path through require(esm).
const root = join(__dirname, "..", "node_modules", "@actions", "expressions", "dist");
const expressions = require(join(root, "index.js")) as typeof Expressions;
const { truthy } = require(join(root, "result.js")) as { truthy(value: ExpressionData): boolean };

export type { ExpressionData };

/** The contexts of one evaluation, as plain JSON (github, env, vars, secrets, inputs, steps, needs, matrix, job, runner, strategy). */
export type Contexts = Record<string, unknown>;

/** What the status functions see: a step's view (earlier steps failed?) or a job's view (needed jobs' results). */
export interface Status {
    failed: boolean;
    cancelled: boolean;
    /** For a job's `if:`: every needed job succeeded (a skipped one makes success() false). Default: !failed && !cancelled. */
    succeeded?: boolean;
}

const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];
const CONTEXTS = ["github", "env", "vars", "secrets", "inputs", "steps", "needs", "matrix", "job", "runner", "strategy"];

function functions(status: Status): Map<string, { name: string; minArgs: number; maxArgs: number; call: () => ExpressionData }> {
    const bool = (value: boolean) => new expressions.data.BooleanData(value);
    return new Map([
        ["success", { name: "success", minArgs: 0, maxArgs: 0, call: () => bool(status.succeeded ?? (!status.failed && !status.cancelled)) }],
        ["failure", { name: "failure", minArgs: 0, maxArgs: 0, call: () => bool(status.failed) }],
        ["always", { name: "always", minArgs: 0, maxArgs: 0, call: () => bool(true) }],
        ["cancelled", { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => bool(status.cancelled) }],
    ]);
}

/** Records every `vars.X` read that the scenario did not define: GitHub would give "" and the scenario would lie. */
function toData(contexts: Contexts, missingVars: Set<string>): Expressions.data.Dictionary {
    const dictionary = JSON.parse(JSON.stringify(contexts), expressions.data.reviver) as Expressions.data.Dictionary;
    const vars = dictionary.get("vars");
    if (vars instanceof expressions.data.Dictionary) {
        const strict = Object.assign(Object.create(Object.getPrototypeOf(vars) as object) as Expressions.data.Dictionary, vars);
        strict.get = (key: string) => {
            const value = vars.get(key);
            if (value === undefined) missingVars.add(key);
            return value;
        };
        const rebuilt = new expressions.data.Dictionary();
        for (const pair of dictionary.pairs()) rebuilt.add(pair.key, pair.key.toLowerCase() === "vars" ? strict : pair.value);
        return rebuilt;
    }
    return dictionary;
}

function parse(expression: string) {
    const tokens = new expressions.Lexer(expression).lex().tokens;
    return new expressions.Parser(tokens, CONTEXTS, STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }))).parse();
}

export class ExpressionScope {
    readonly missingVars = new Set<string>();
    constructor(private readonly contexts: Contexts, private readonly status: Status = { failed: false, cancelled: false }) {}

    evaluate(expression: string): ExpressionData {
        try {
            return new expressions.Evaluator(parse(expression), toData(this.contexts, this.missingVars), functions(this.status)).evaluate();
        } catch (error) {
            throw new Error(`the expression \`${expression}\` fails: ${(error as Error).message}`, { cause: error });
        }
    }

    /** Replaces every `${{ expr }}` in a string by its value as a string (objects: GitHub's coercion, "Object"/"Array"). */
    interpolate(template: string): string {
        let out = "";
        let i = 0;
        for (;;) {
            const open = template.indexOf("${{", i);
            if (open < 0) return out + template.slice(i);
            out += template.slice(i, open);
            const close = closing(template, open + 3);
            out += this.evaluate(template.slice(open + 3, close)).coerceString();
            i = close + 2;
        }
    }

    /** An `if:` (steps or jobs): default `success()`, implicit `success() &&` without a status function. */
    condition(condition: string | boolean | undefined): boolean {
        if (condition === undefined) return this.condition("success()");
        if (typeof condition === "boolean") return condition && this.condition("success()");
        let expression = condition.trim();
        if (expression.startsWith("${{") && closing(expression, 3) === expression.length - 2) expression = expression.slice(3, -2);
        const usesStatus = new expressions.Lexer(expression).lex().tokens.some((token, index, tokens) =>
            STATUS_FUNCTIONS.includes(token.lexeme.toLowerCase()) && tokens[index + 1]?.lexeme === "(");
        return truthy(this.evaluate(usesStatus ? expression : `success() && (${expression})`));
    }
}

/** The index of the `}}` that closes an expression starting at `from`, outside string literals. */
function closing(text: string, from: number): number {
    let quoted = false;
    for (let i = from; i < text.length - 1; i++) {
        if (text[i] === "'") quoted = !quoted;
        else if (!quoted && text[i] === "}" && text[i + 1] === "}") return i;
    }
    throw new Error(`unclosed \${{ in ${text}`);
}

/** Plain JSON of an expression value (for job outputs and `toJSON`). */
export function plain(value: ExpressionData): unknown {
    return JSON.parse(JSON.stringify(value, expressions.data.replacer)) as unknown;
}
