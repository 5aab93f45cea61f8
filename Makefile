# weir: run Apache Flink on Kubernetes.  `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

export WEIR_CACHE_DIR ?= /var/cache/weir
export WEIR_DATA_DIR ?= /var/lib/weir/local
GO ?= go
BIN := $(CURDIR)/bin
WEIR := $(BIN)/weir
GOTEST_FLAGS ?= -count=1
# The verbose suites' go test goes through hack/testsummary: the same output, then each failed
# test's last lines at the end, where a CI log is read (an e2e failure is otherwise thousands
# of lines above it).
GOTEST = $(GO) test $(GOTEST_FLAGS) -json
TESTSUM := $(BIN)/testsummary
# golangci-lint and deadcode live in their own module so their dependencies stay out of weir's.
TOOLS := $(GO) tool -modfile=$(CURDIR)/hack/tools/go.mod

##@ General
.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build
.PHONY: build
build: ## Build the weir CLI and the operator into bin/.
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/weir ./cmd/weir
	ln -sf weir $(BIN)/kubectl-weir
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/weir-operator ./cmd/weir-operator

$(TESTSUM): hack/testsummary/main.go
	CGO_ENABLED=0 $(GO) build -trimpath -o $@ ./hack/testsummary

.PHONY: generate
generate: ## Regenerate deepcopy code, CRDs and RBAC from the Go types and markers.
	$(GO) tool controller-gen object paths=./api/...
	$(GO) tool controller-gen crd:allowDangerousTypes=true paths=./api/... output:crd:artifacts:config=config/crd
	$(GO) tool controller-gen rbac:roleName=weir-operator paths=./internal/controller/... output:rbac:artifacts:config=config/rbac
	rm -f charts/weir-operator/crds/*.yaml
	cp config/crd/*.yaml charts/weir-operator/crds/
	cp config/rbac/role.yaml charts/weir-operator/files/role.yaml

.PHONY: verify-generate
verify-generate: generate ## Fail when generated files drift from the types.
	@git diff --exit-code -- api config charts || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config charts)" || { git status --porcelain -- api config charts; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

.PHONY: binaries
binaries: build ## Build etcd, Kubernetes, CoreDNS, crictl, the S3 server (versitygw), the ingress controller (Traefik) and the observability daemons from the Go module proxy (cached per version).
	$(WEIR) local build-binaries

##@ Local cluster
.PHONY: local-up
local-up: build ## Start the local single-node Kubernetes (builds what is missing; a no-op when it is up).
	$(WEIR) local up --data-dir $(WEIR_DATA_DIR)

.PHONY: local-down
local-down: build ## Stop the local cluster and remove its bridge, iptables chains, mounts and cgroups.
	$(WEIR) local down --data-dir $(WEIR_DATA_DIR)

.PHONY: local-status
local-status: build ## Show the state of each local cluster component.
	$(WEIR) local status --data-dir $(WEIR_DATA_DIR)

.PHONY: test-e2e-local
test-e2e-local: $(TESTSUM) ## End-to-end test of the local cluster: up, pod DNS + API via Service, down, host clean (root).
	WEIR_E2E=1 $(GOTEST) -v -timeout 60m -run TestLocalClusterLifecycle ./test/e2e/ | $(TESTSUM)

##@ Run
.PHONY: run
run: ## From nothing to a RUNNING Flink job managed by weir on the local cluster (cold ~30 min, warm ~1-2 min).
	hack/install-deps.sh
	$(MAKE) build
	$(WEIR) demo --data-dir $(WEIR_DATA_DIR)

.PHONY: run-down
run-down: build ## Stop what `make run` started (the local cluster); leaves the host as it was.
	$(WEIR) local down --data-dir $(WEIR_DATA_DIR)

.PHONY: test-e2e
test-e2e: binaries images audiences-jar $(TESTSUM) ## End-to-end suite on real local clusters: cluster lifecycle, the operator running Flink, the audited job lifecycle (root).
	WEIR_E2E=1 WEIR_E2E_LIFECYCLE=1 $(GOTEST) -v -timeout 80m ./test/e2e/ | $(TESTSUM)

.PHONY: test-e2e-lifecycle
test-e2e-lifecycle: binaries images audiences-jar $(TESTSUM) ## Only the audited lifecycle: the audiences job through upgrades, suspend/resume, JM/TM/operator kills, snapshot, rollback (root).
	WEIR_E2E=1 WEIR_E2E_LIFECYCLE=1 $(GOTEST) -v -timeout 60m -run TestLifecycleOnLocalCluster ./test/e2e/ | $(TESTSUM)

##@ Test
.PHONY: test
test: lint verify-generate test-unit test-integration test-s3 test-observability test-ingress test-crash test-flink-rest test-flinkconf test-flink-operator test-e2e ## Run the CI suites (lint, unit, integration on a real API server, real Flink, e2e); README lists the others.

.PHONY: lint
lint: ## Static checks: gofmt, go mod tidy, golangci-lint (.golangci.yml), deadcode.
	@out="$$(gofmt -l .)"; test -z "$$out" || { echo "gofmt -l (run gofmt -w):"; echo "$$out"; exit 1; }
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit"; exit 1; }
	@cd hack/tools && $(GO) mod tidy -diff || { echo "hack/tools is not tidy: run 'go mod tidy' there and commit"; exit 1; }
	$(TOOLS) golangci-lint run --allow-parallel-runners ./...
	@out="$$($(TOOLS) deadcode -test ./...)"; test -z "$$out" || { echo "unreachable functions (deadcode -test ./...):"; echo "$$out"; exit 1; }

.PHONY: test-unit
test-unit: ## Unit tests (pure code, no cluster). go vet's analyzers run in `make lint` (golangci-lint's govet, tests included).
	$(GO) test $(GOTEST_FLAGS) -short ./...

.PHONY: envtest-assets
envtest-assets: build
	@$(WEIR) local envtest-assets > /dev/null

.PHONY: test-integration
test-integration: envtest-assets ## Integration tests against a real etcd + kube-apiserver built from source.
	KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" $(GO) test $(GOTEST_FLAGS) -timeout 20m ./internal/controller/... ./internal/resources/... ./internal/webhook/... ./internal/profile/... ./internal/install/... ./internal/cli/...

.PHONY: test-s3
test-s3: build $(TESTSUM) ## The real S3 server (versitygw, built into the cache from a cold one): buckets created idempotently; put, get, list, multipart, delete; real Flink 1.20 and 2.3 checkpoint to it through the presto plugin with entropy; a savepoint disposed of through the REST API leaves no object.
	$(WEIR) local build-binaries versitygw
	WEIR_S3_IT=1 WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 20m -run 'TestAgainstRealS3Server|TestFlinkCheckpointsToS3ThroughPresto' ./internal/s3local/ | $(TESTSUM)

.PHONY: test-observability
test-observability: envtest-assets build $(TESTSUM) ## The observability daemons (VictoriaMetrics, vmalert, VictoriaLogs, vlagent, built into the cache): the scrape config `local up --with observability` writes finds an annotated pod and the operator's authenticated /metrics through a real API server; vmalert loads every rule of weir's alert file, fires WeirUpgradeFailed, holds a rule with for: pending and writes ALERTS back; Loki pushes come back by LogsQL; vlagent ships a kubelet-style CRI log with the pod's metadata.
	$(WEIR) local build-binaries victoria-metrics vmalert victoria-logs vlagent
	KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" WEIR_OBS_IT=1 $(GOTEST) -v -timeout 10m -run 'TestMetricsServer|TestRuleEngine|TestLogStore|TestLogShipper' ./internal/obslocal/ | $(TESTSUM)
.PHONY: test-ingress
test-ingress: envtest-assets $(TESTSUM) ## The real ingress controller (Traefik, built into the cache from the Go module proxy) on a real API server: with its RBAC and IngressClass, it routes the Ingress and rest Service weir builds for an app to a stand-in JobManager by host.
	$(WEIR) local build-binaries traefik
	KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" WEIR_INGRESS_IT=1 $(GOTEST) -v -timeout 10m -run TestTraefikRoutesWeirIngress ./internal/localcluster/ | $(TESTSUM)

.PHONY: test-crash
test-crash: envtest-assets build $(TESTSUM) ## Crash consistency: the operator process SIGKILLed 15 times while it deploys and upgrades 100 apps on a real API server; all converge (WEIR_CRASH_SEED replays a run).
	KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" WEIR_CRASH_IT=1 WEIR_OPERATOR_BIN=$(BIN)/weir-operator $(GOTEST) -v -timeout 15m ./test/crash/ | $(TESTSUM)

.PHONY: test-flink-rest
test-flink-rest: $(TESTSUM) ## REST client against real local Flink 1.20 and 2.3 processes (assembles the distributions once).
	WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 30m -run TestAgainstRealFlink ./internal/flink/rest/ | $(TESTSUM)

.PHONY: test-flinkconf
test-flinkconf: $(TESTSUM) ## Real Flink 1.20 and 2.3 read weir's config files and log4j defaults; native JM objects match Flink's own deployer; the Prometheus reporter on the pod's metrics port, JSON log labels, the Datadog key through the entrypoint.
	WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 30m -run TestAgainstRealFlink ./internal/flinkconf/ ./internal/resources/ | $(TESTSUM)

.PHONY: test-flink-series
test-flink-series: $(TESTSUM) ## The Flink series every dashboard and alert query uses exist on a real Flink 1.20 and 2.3 job (WEIR_UPDATE_FLINK_SERIES=1 rewrites the fixtures); ~2 min.
	WEIR_FLINK_IT=1 WEIR_FLINK_SERIES=1 $(GOTEST) -v -timeout 20m -run TestAgainstRealFlinkJobSeries ./internal/resources/ | $(TESTSUM)

.PHONY: test-flink-operator
test-flink-operator: envtest-assets $(TESTSUM) ## The reconcilers against real Flink (a session job; savepoint-on-deletion; checkpoints failing on the real S3 server: unknown bucket, refused credentials), and validation's memory minimums against real Flink 1.20 and 2.3.
	WEIR_FLINK_IT=1 WEIR_S3_IT=1 KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" $(GOTEST) -v -timeout 20m -run 'TestSessionJobOnRealFlink|TestDeploymentSavepointOnDeletionOnRealFlink|TestCheckpointFailuresOnRealFlinkAndS3' ./internal/controller/ | $(TESTSUM)
	WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 20m -run 'TestMemoryMinimumsAgainstRealFlink' ./internal/validation/ | $(TESTSUM)

.PHONY: fuzz
fuzz: ## Short fuzz runs over decoding, the validator and config parsing.
	$(GO) test -run '^$$' -fuzz '^FuzzConfigObject$$' -fuzztime 20s ./api/v1beta1
	$(GO) test -run '^$$' -fuzz '^FuzzValidateDeployment$$' -fuzztime 20s -fuzzminimizetime 2s ./internal/validation
	$(GO) test -run '^$$' -fuzz '^FuzzValidateSessionJob$$' -fuzztime 20s -fuzzminimizetime 2s ./internal/validation
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 20s -fuzzminimizetime 2s ./internal/validation
	$(GO) test -run '^$$' -fuzz '^FuzzBuild$$' -fuzztime 20s -fuzzminimizetime 2s ./internal/resources

.PHONY: bench-scale
bench-scale: envtest-assets ## One operator, N FlinkDeployments on a real API server: time to objects, RSS, CPU, API requests, observation age vs targets (BENCH_SCALE_ARGS='-n 200 -steady 2m').
	KUBEBUILDER_ASSETS="$$($(WEIR) local envtest-assets)" $(GO) run ./bench/scale --operator $(BIN)/weir-operator $(BENCH_SCALE_ARGS)

##@ Images
.PHONY: flink-dist
flink-dist: build ## Assemble the pinned Flink distributions (1.20, 2.3) from PyPI and Maven Central into the cache.
	$(WEIR) image flink-dist

.PHONY: images
images: build ## Build the Flink, operator and pause image archives without Docker (root; cached by input hash).
	$(WEIR) image build all --binary $(BIN)/weir-operator

.PHONY: test-images
test-images: $(TESTSUM) ## Real runs: Flink examples on both distributions, then both images in a private containerd (root).
	WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 30m -run TestExamplesRunOnAssembledDistribution ./internal/flinkdist/flinktest/ | $(TESTSUM)
	WEIR_IMAGE_IT=1 $(GOTEST) -v -timeout 40m -run 'TestJavaBaseRootfs|TestFlinkImageRunsAJob|TestOperatorImageRuns' ./internal/image/ | $(TESTSUM)

##@ Audiences example
.PHONY: audiences-jar
audiences-jar: ## Build examples/audiences/target/audiences.jar (Maven + JUnit; cached by a hash of its sources).
	examples/audiences/build.sh

.PHONY: test-audiences
test-audiences: audiences-jar $(TESTSUM) ## Audit unit tests, then the job on Flink (in-process and standalone) through savepoint, TaskManager kill and restore, audited.
	$(GO) test $(GOTEST_FLAGS) ./internal/audit/ ./cmd/weir-audit/
	WEIR_FLINK_IT=1 $(GOTEST) -v -timeout 40m -run 'TestScenarioOnFlink|TestAudiencesOnStandaloneFlink' ./internal/audit/ | $(TESTSUM)

.PHONY: test-terraform
test-terraform: ## Terraform (deploy/terraform): every .tf parses, and each app's node pool, IAM trust and S3 prefix agree with its profile (Go, hashicorp/hcl); `tofu fmt -check` when a tofu binary is found.
	$(GO) test $(GOTEST_FLAGS) ./deploy/terraform/
	@tofu="$$(command -v tofu || { ls /var/cache/weir/bin/opentofu-*/tofu /var/cache/weir/bin/opentofu-*/bin/tofu 2>/dev/null || true; } | tail -n1)"; \
	if [ -n "$$tofu" ]; then echo "$$tofu fmt -check -recursive deploy/terraform"; "$$tofu" fmt -check -recursive deploy/terraform; \
	else echo "test-terraform: no tofu binary on PATH or in /var/cache/weir/bin/opentofu-*/: fmt -check skipped"; fi

.PHONY: bench-checkpoint
bench-checkpoint: ## Real Flink 1.20 checkpoints and savepoints of 64 MiB-1 GiB RocksDB state to the real S3 server: durations, bytes/s, requests/s vs the server's raw PUT limit (docs/s3.md).
	AUDIENCES_SKIP_TESTS=1 examples/audiences/build.sh
	WEIR_BENCH_CHECKPOINT=1 WEIR_S3_IT=1 WEIR_FLINK_IT=1 $(GO) test -count=1 -v -timeout 45m -run TestBenchCheckpoint ./bench/checkpoint/

.PHONY: bench-upgrade
bench-upgrade: binaries images ## A savepoint upgrade's job downtime by the operator beside the limit, the same stop-with-savepoint and restore by hand through Flink's REST, on its own local cluster (root; BENCH_UPGRADE_RUNS, default 3).
	WEIR_E2E=1 WEIR_BENCH_UPGRADE=1 BENCH_UPGRADE_RUNS=$${BENCH_UPGRADE_RUNS:-3} $(GO) test -count=1 -v -timeout 90m -run TestBenchUpgrade ./test/e2e/

.PHONY: bench-audiences
bench-audiences: ## Throughput of the audiences job against a stateless baseline, in events per core-second.
	bench/audiences.sh $(BENCH_ARGS)

.PHONY: bench
bench: bench-audiences ## Run the benchmarks.
