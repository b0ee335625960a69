/**
 * The subset of kubectl's JSONPath the scripts use: `{.a.b}`, escaped dots (`{.data.job\.yaml}`), filters
 * (`[?(@.status=="True")]`), indexes and `[*]`, with literal text around the braces. Several results print separated
 * by spaces, objects as JSON, a missing field as nothing (https://kubernetes.io/docs/reference/kubectl/jsonpath/).
 * Anything else (range, recursive descent, functions) throws, so a script that starts using it shows up.
 */
import { UnknownInvocation } from "./state";

type Json = unknown;

function segments(path: string): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < path.length) {
        const c = path[i];
        if (c === ".") {
            if (path[i + 1] === ".") throw new UnknownInvocation(`recursive descent in JSONPath ${path}`);
            let name = "";
            i++;
            while (i < path.length && path[i] !== "." && path[i] !== "[") {
                if (path[i] === "\\" && path[i + 1] === ".") { name += "."; i += 2; continue; }
                name += path[i++];
            }
            if (name) out.push(`.${name}`);
        } else if (c === "[") {
            const end = path.indexOf("]", i);
            if (end < 0) throw new UnknownInvocation(`unclosed [ in JSONPath ${path}`);
            out.push(path.slice(i, end + 1));
            i = end + 1;
        } else {
            throw new UnknownInvocation(`JSONPath syntax at "${path.slice(i)}" is not emulated`);
        }
    }
    return out;
}

function step(values: Json[], segment: string): Json[] {
    const children = (v: Json): Json[] => (Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : []);
    if (segment.startsWith(".")) {
        const key = segment.slice(1);
        return values.flatMap((v) => (v && typeof v === "object" && !Array.isArray(v) && key in v ? [(v as Record<string, Json>)[key]] : []));
    }
    const inner = segment.slice(1, -1);
    if (inner === "*") return values.flatMap(children);
    if (/^-?\d+$/.test(inner)) return values.flatMap((v) => (Array.isArray(v) ? [v.at(Number(inner))].filter((x) => x !== undefined) : []));
    const filter = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)$/.exec(inner);
    if (!filter) throw new UnknownInvocation(`JSONPath [${inner}] is not emulated`);
    const path = filter[1].split(".").slice(1);
    const expected = filter[2] ?? filter[3];
    return values.flatMap(children).filter((item) => {
        let v: Json = item;
        for (const key of path) v = v && typeof v === "object" ? (v as Record<string, Json>)[key] : undefined;
        return v !== undefined && String(v) === expected;
    });
}

const print = (v: Json): string => (typeof v === "string" ? v : JSON.stringify(v));

export function jsonPath(template: string, object: Json): string {
    let out = "";
    let i = 0;
    while (i < template.length) {
        const open = template.indexOf("{", i);
        if (open < 0) { out += template.slice(i); break; }
        out += template.slice(i, open);
        const close = template.indexOf("}", open);
        if (close < 0) throw new UnknownInvocation(`unclosed { in JSONPath ${template}`);
        const expression = template.slice(open + 1, close).trim();
        if (!expression.startsWith(".")) throw new UnknownInvocation(`JSONPath {${expression}} is not emulated`);
        out += segments(expression).reduce(step, [object]).map(print).join(" ");
        i = close + 1;
    }
    return out;
}
