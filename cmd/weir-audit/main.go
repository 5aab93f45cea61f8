// Command weir-audit checks the audiences example job's committed output against an offline
// reference regenerated from the same seed: exactly-once counting, traits and audiences.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"weir.dev/weir/internal/audit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("weir-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := audit.DefaultGenConfig()
	output := fs.String("output", "", "the job's --output directory (required)")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "generator seed the job ran with")
	fs.Int64Var(&c.Events, "events", c.Events, "number of events the job's source generated")
	fs.Int64Var(&c.Users, "users", c.Users, "number of users the job's generator spread events over")
	fs.Int64Var(&c.SpacingMs, "spacing-ms", c.SpacingMs, "event-time spacing between events, ms")
	fs.Int64Var(&c.BaseTs, "base-ts", c.BaseTs, "event time of event 0, epoch ms")
	rulesText := fs.String("rules", audit.DefaultRules, "audience rules the job ran with")
	rulesFile := fs.String("rules-file", "", "file with the audience rules (overrides --rules)")
	running := fs.Bool("running", false, "the job is still running: check that the committed output is an exact prefix of the run, not that it is complete")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: weir-audit --output DIR [--seed N --events N --users N ...]\n"+
			"Pass the same generator flags and rules as the job. Exit status: 0 pass, 1 audit failed, 2 usage or read error.\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *output == "" {
		fmt.Fprintln(stderr, "weir-audit: --output DIR is required (the directory the job's file sink writes)")
		return 2
	}
	if err := c.Validate(); err != nil {
		fmt.Fprintf(stderr, "weir-audit: %v\n", err)
		return 2
	}
	if *rulesFile != "" {
		b, err := os.ReadFile(*rulesFile)
		if err != nil {
			fmt.Fprintf(stderr, "weir-audit: reading --rules-file: %v\n", err)
			return 2
		}
		*rulesText = string(b)
	}
	rules, err := audit.ParseRules(*rulesText)
	if err != nil {
		fmt.Fprintf(stderr, "weir-audit: %v\n", err)
		return 2
	}
	start := time.Now()
	out, err := audit.ReadOutput(*output)
	if err != nil {
		fmt.Fprintf(stderr, "weir-audit: %v\n", err)
		return 2
	}
	check := audit.Check
	if *running {
		check = audit.CheckPrefix
	}
	rep := check(c, rules, out)
	rep.Write(stdout)
	fmt.Fprintf(stdout, "  (audit took %s)\n", time.Since(start).Round(time.Millisecond))
	if !rep.OK() {
		return 1
	}
	return 0
}
