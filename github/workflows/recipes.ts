/**
 * How CI checks a service of each runtime: set up the toolchain with a dependency cache, install, lint, type-check,
 * run the unit tests failing under the coverage threshold (COVERAGE_THRESHOLD in the environment), and audit the
 * dependencies. The commands are the services' conventions, documented in the README.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { action } from "./catalogue";
import type { Step } from "./model";

type Versions = PlatformConfig["ci"]["versions"];

export interface Recipe {
    setup(service: ServiceConfig, versions: Versions): Step;
    install: string;
    lint: string;
    typecheck: string;
    /** Unit tests; fails when line coverage is under $COVERAGE_THRESHOLD. */
    test: string;
    audit: string;
    integration: string;
}

export const RECIPES: Record<ServiceConfig["runtime"], Recipe> = {
    node: {
        setup: (service, versions) => ({ name: "Set up Node.js", uses: action("actions/setup-node"), with: { "node-version": versions.node, cache: "npm", "cache-dependency-path": `${service.path}/package-lock.json` } }),
        install: "npm ci",
        lint: "npm run lint",
        typecheck: "npm run typecheck",
        test: "npx --yes c8 --check-coverage --lines \"$COVERAGE_THRESHOLD\" npm test",
        audit: "npm audit --audit-level=high --omit=dev",
        integration: "npm run test:integration",
    },
    python: {
        setup: (service, versions) => ({ name: "Set up Python", uses: action("actions/setup-python"), with: { "python-version": versions.python, cache: "pip", "cache-dependency-path": `${service.path}/requirements*.txt` } }),
        install: "pip install -r requirements.txt -r requirements-dev.txt",
        lint: "ruff check .",
        typecheck: "mypy .",
        test: "pytest --cov --cov-fail-under=\"$COVERAGE_THRESHOLD\"",
        audit: "pip-audit -r requirements.txt",
        integration: "pytest -m integration",
    },
    go: {
        setup: (service, versions) => ({ name: "Set up Go", uses: action("actions/setup-go"), with: { "go-version": versions.go, "cache-dependency-path": `${service.path}/go.sum` } }),
        install: "go mod download",
        lint: "go vet ./...",
        typecheck: "go build ./...",
        test: "go test -coverprofile=coverage.out ./... && go tool cover -func=coverage.out | awk -v min=\"$COVERAGE_THRESHOLD\" '/^total:/ { sub(\"%\", \"\", $3); if ($3 + 0 < min + 0) { print \"coverage \" $3 \"% is under \" min \"%\"; exit 1 } }'",
        audit: "go run golang.org/x/vuln/cmd/govulncheck@latest ./...",
        integration: "go test -tags integration ./...",
    },
    java: {
        setup: (_service, versions) => ({ name: "Set up Java", uses: action("actions/setup-java"), with: { distribution: "temurin", "java-version": versions.java, cache: "maven" } }),
        install: "mvn -B -q dependency:go-offline",
        lint: "mvn -B -q checkstyle:check",
        typecheck: "mvn -B -q compile",
        test: "mvn -B verify -Dcoverage.minimum=\"$COVERAGE_THRESHOLD\"",
        audit: "mvn -B -q org.owasp:dependency-check-maven:check -DfailBuildOnCVSS=7",
        integration: "mvn -B verify -Pintegration",
    },
};
