package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/testenv"
)

// TestFlinkImageRunsAJob builds each Flink image, imports it into a private containerd and
// runs a JobManager and a TaskManager from it through the entrypoint (ctr run replaces the
// whole command line, so the entrypoint is named explicitly; host network, loopback
// only), with ENABLE_BUILT_IN_PLUGINS and FLINK_PROPERTIES, then submits the state machine
// example inside the JobManager container and waits until it runs.
func TestFlinkImageRunsAJob(t *testing.T) {
	requireImageIT(t)
	cache := cacheRootForTest()
	ctrd := startContainerd(t)
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) {
			full, _ := flinkdist.Resolve(line)
			res, err := BuildFlink(context.Background(), cache, line, NewProgress(nil))
			if err != nil {
				t.Fatal(err)
			}
			ctrd.ctr(t, "images", "import", res.Path)
			listed := ctrd.ctr(t, "images", "ls", "-q")
			for _, ref := range res.Refs {
				if !strings.Contains(listed, ref+"\n") {
					t.Fatalf("%s not imported; images:\n%s", ref, listed)
				}
			}
			ports := freeLoopbackPorts(t, 4)
			props := strings.Join([]string{
				"jobmanager.rpc.address: 127.0.0.1", "jobmanager.bind-host: 127.0.0.1",
				fmt.Sprintf("jobmanager.rpc.port: %d", ports[0]),
				"rest.address: 127.0.0.1", "rest.bind-address: 127.0.0.1", fmt.Sprintf("rest.port: %d", ports[1]),
				fmt.Sprintf("blob.server.port: %d", ports[2]), fmt.Sprintf("query.server.port: %d", ports[3]),
				"taskmanager.host: 127.0.0.1", "taskmanager.bind-host: 127.0.0.1",
				"taskmanager.rpc.port: 0", "taskmanager.data.port: 0",
				"jobmanager.memory.process.size: 1024m", "taskmanager.memory.process.size: 1280m",
				"taskmanager.numberOfTaskSlots: 2",
			}, "\n")
			plugin := "flink-s3-fs-presto-" + full + ".jar"
			ref := res.Refs[1]
			jm, tm := "jm-"+strings.ReplaceAll(line, ".", "-"), "tm-"+strings.ReplaceAll(line, ".", "-")
			for _, c := range []struct{ id, cmd string }{{jm, "jobmanager"}, {tm, "taskmanager"}} {
				ctrd.ctr(t, "run", "-d", "--net-host", "--env", "FLINK_PROPERTIES="+props,
					"--env", "ENABLE_BUILT_IN_PLUGINS="+plugin, ref, c.id, "/docker-entrypoint.sh", c.cmd)
			}
			defer func() {
				for _, id := range []string{jm, tm} {
					_, _ = ctrd.ctrErr("tasks", "kill", "-s", "SIGKILL", id)
				}
				time.Sleep(time.Second)
				for _, id := range []string{jm, tm} {
					_, _ = ctrd.ctrErr("tasks", "rm", "-f", id)
					_, _ = ctrd.ctrErr("containers", "rm", id)
				}
			}()
			base := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
			waitFor(t, 4*time.Minute, func() (bool, string) {
				var o struct {
					TaskManagers int    `json:"taskmanagers"`
					Version      string `json:"flink-version"`
				}
				if err := getJSON(base+"/overview", &o); err != nil {
					return false, err.Error()
				}
				if o.Version != full {
					t.Fatalf("REST reports Flink %q, want %s", o.Version, full)
				}
				return o.TaskManagers >= 1, fmt.Sprintf("%d TaskManagers", o.TaskManagers)
			}, func() string {
				return ctrd.ctr(t, "tasks", "exec", "--exec-id", "logs", jm, "bash", "-c", "tail -n 40 /opt/flink/log/*")
			})

			// The JVM runs as the flink user, dropped from root by the entrypoint.
			status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", ctrd.taskPID(t, jm)))
			if !regexp.MustCompile(`(?m)^Uid:\s+9999\s`).Match(status) {
				t.Fatalf("JobManager does not run as uid 9999:\n%s", status)
			}
			ctrd.ctr(t, "tasks", "exec", "--exec-id", "plugin", jm, "test", "-e", "/opt/flink/plugins/flink-s3-fs-presto-"+full+"/"+plugin)

			out := ctrd.ctr(t, "tasks", "exec", "--exec-id", "submit", jm, "flink", "run", "-d", "/opt/flink/examples/streaming/StateMachineExample.jar")
			m := regexp.MustCompile(`JobID ([0-9a-f]{32})`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no JobID:\n%s", out)
			}
			waitFor(t, 3*time.Minute, func() (bool, string) {
				var j struct {
					State string `json:"state"`
				}
				if err := getJSON(base+"/jobs/"+m[1], &j); err != nil {
					return false, err.Error()
				}
				if j.State == "FAILED" {
					t.Fatalf("job %s failed", m[1])
				}
				return j.State == "RUNNING", j.State
			}, nil)
		})
	}
}

func freeLoopbackPorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func getJSON(url string, v any) error {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// waitFor polls cond until it holds; on timeout it fails with cond's last note and diag().
func waitFor(t *testing.T, limit time.Duration, cond func() (bool, string), diag func() string) {
	t.Helper()
	testenv.Eventually(t, "the condition", testenv.Poll{Limit: limit, Interval: time.Second, Diagnose: diag}, func() error {
		if ok, note := cond(); !ok {
			return errors.New(note)
		}
		return nil
	})
}

// TestOperatorImageRuns packs a static binary as the operator image and runs it in a
// private containerd: it must start as the nonroot user with a writable /tmp.
func TestOperatorImageRuns(t *testing.T) {
	requireImageIT(t)
	bin := buildStaticProgram(t, `package main

import (
	"fmt"
	"os"
)

func main() {
	f, err := os.CreateTemp("", "probe")
	if err != nil {
		fmt.Println("tmp not writable:", err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("uid=%d args=%v\n", os.Getuid(), os.Args[1:])
}
`)
	res, err := BuildOperator(t.TempDir(), bin, NewProgress(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctrd := startContainerd(t)
	ctrd.ctr(t, "images", "import", res.Path)
	// ctr run replaces the whole command line, like the image's entrypoint plus args would.
	out := ctrd.ctr(t, "run", "--rm", OperatorRef, "operator-probe", OperatorBinaryInImage, "--leader-elect")
	if !strings.Contains(out, "uid=65532 args=[--leader-elect]") {
		t.Fatalf("operator image output:\n%s", out)
	}
}
