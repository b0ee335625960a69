// The entry point `pulumi` runs (Pulumi.yaml `main`). A default-exported function is called by the Pulumi
// runtime and its result becomes the stack's outputs.
import { program } from "./program";

export = program;
