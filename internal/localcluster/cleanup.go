package localcluster

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"weir.dev/weir/internal/hostfs"
)

// clusterChainPrefixes are iptables chains created by kube-proxy, the kubelet
// and the CNI portmap plugin.
var clusterChainPrefixes = []string{"KUBE-", "CNI-"}

func isClusterChain(name string) bool {
	for _, p := range clusterChainPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ChainCleanup computes, from `iptables-save -t <table>` output, the rule
// deletions (as argument lists) and the chains to flush and delete so that no
// cluster chain or jump to one remains.
func ChainCleanup(save string) (deleteRules [][]string, chains []string) {
	sc := bufio.NewScanner(strings.NewReader(save))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			name := strings.Fields(line[1:])[0]
			if isClusterChain(name) {
				chains = append(chains, name)
			}
		case strings.HasPrefix(line, "-A "):
			f := strings.Fields(line)
			if len(f) < 2 || isClusterChain(f[1]) {
				continue // rules inside our chains go away with the flush
			}
			for i := 2; i+1 < len(f); i++ {
				if (f[i] == "-j" || f[i] == "-g") && isClusterChain(f[i+1]) {
					// iptables-save quotes arguments with spaces; fields are fine for
					// the rules kube-proxy and the kubelet write into built-in chains.
					del := append([]string{"-D"}, unquoteFields(line[3:])...)
					deleteRules = append(deleteRules, del)
					break
				}
			}
		}
	}
	return deleteRules, chains
}

// unquoteFields splits a rule like the shell would for iptables-save output.
func unquoteFields(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
			have = true
		case c == ' ' && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// removeClusterChains deletes every KUBE-*/CNI-* chain and the jumps to them,
// for IPv4 and IPv6.
func removeClusterChains(ctx context.Context) error {
	var firstErr error
	for _, fam := range []struct{ save, ipt string }{{"iptables-save", "iptables"}, {"ip6tables-save", "ip6tables"}} {
		for _, table := range []string{"filter", "nat", "mangle", "raw"} {
			save, err := run(ctx, fam.save, "-t", table)
			if err != nil {
				continue // table or family not available
			}
			rules, chains := ChainCleanup(save)
			for _, r := range rules {
				_, _ = run(ctx, fam.ipt, append([]string{"-w", "-t", table}, r...)...)
			}
			for _, c := range chains {
				_, _ = run(ctx, fam.ipt, "-w", "-t", table, "-F", c)
			}
			for _, c := range chains {
				if _, err := run(ctx, fam.ipt, "-w", "-t", table, "-X", c); err != nil && firstErr == nil {
					firstErr = err
				}
			}
		}
	}
	return firstErr
}

// unmountUnder lazily unmounts everything below the data dir (netns files,
// overlay rootfs, shm, kubelet volumes), repeating for stacked mounts.
func unmountUnder(root string) error { return hostfs.Unmount(root, 5, true) }

// removeKubepodsCgroups removes the kubelet's empty cgroup trees in every
// v1 hierarchy and the unified one, deepest first (rmdir fails on busy ones).
func removeKubepodsCgroups() {
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hier {
		top := filepath.Join(h, "kubepods")
		if !exists(top) {
			continue
		}
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		sort.SliceStable(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
		for _, d := range dirs {
			_ = syscall.Rmdir(d)
		}
	}
}

// remainingKubepodsCgroups lists kubepods cgroups that could not be removed.
func remainingKubepodsCgroups() []string {
	m, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods")
	return m
}
