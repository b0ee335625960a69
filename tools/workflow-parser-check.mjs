// GitHub's own workflow parser, run under tsx (its JSON schema import fails under plain node): reads
// {"path": "content", ...} on stdin, writes {"path": ["error", ...], ...} on stdout. Conversion is attempted even after
// errors, so that the job graph (needs, cycles, roots) is checked too.
import process from "node:process";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const files = JSON.parse(input);
const findings = {};
for (const [path, content] of Object.entries(files)) {
    const parsed = parseWorkflow({ name: path, content }, new NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors().map((error) => error.message);
    if (parsed.value) {
        const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: ErrorPolicy.TryConversion });
        errors.push(...(template.errors ?? []).map((error) => error.Message));
    }
    findings[path] = [...new Set(errors)];
}
process.stdout.write(JSON.stringify(findings));
