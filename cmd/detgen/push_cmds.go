package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/push"
	pushchronicle "github.com/detgen/detgen/push/chronicle"
	pushqradar "github.com/detgen/detgen/push/qradar"
	"github.com/urfave/cli/v2"
)

func pushCommand() *cli.Command {
	applyFlags := []cli.Flag{
		rulesFlag,
		&cli.BoolFlag{Name: "apply", Usage: "change the SIEM (without it, only the plan is printed)"},
		&cli.BoolFlag{Name: "dry-run", Value: true, Usage: "print the plan: create, update or unchanged per rule (the default)"},
	}
	return &cli.Command{
		Name:  "push",
		Usage: "deploy the compiled rules to Chronicle or QRadar (dry run unless --apply)",
		Description: "Credentials come from the environment and are never printed:\n" +
			"  DETGEN_CHRONICLE_TOKEN  OAuth2 bearer token for the Chronicle API\n" +
			"  DETGEN_QRADAR_TOKEN     QRadar authorized-service (SEC) token",
		Subcommands: []*cli.Command{
			{
				Name:      "chronicle",
				Usage:     "verify every YARA-L rule, then create or update it by rule name",
				ArgsUsage: " ",
				Flags: append(applyFlags,
					&cli.StringFlag{Name: "base-url", EnvVars: []string{"DETGEN_CHRONICLE_BASE_URL"}, Value: "https://us-chronicle.googleapis.com/v1alpha", Usage: "Chronicle API root"},
					&cli.StringFlag{Name: "instance", EnvVars: []string{"DETGEN_CHRONICLE_INSTANCE"}, Usage: "projects/PROJECT/locations/LOCATION/instances/INSTANCE"},
					&cli.BoolFlag{Name: "enable", Usage: "with --apply, enable live detection and alerting for the pushed rules"},
				),
				Action: pushChronicle,
			},
			{
				Name:      "qradar",
				Usage:     "validate every AQL query, then upload and install a content extension with the searches",
				ArgsUsage: " ",
				Flags: append(applyFlags,
					&cli.StringFlag{Name: "url", EnvVars: []string{"DETGEN_QRADAR_URL"}, Usage: "QRadar API root, https://CONSOLE/api"},
					&cli.StringFlag{Name: "api-version", Value: pushqradar.DefaultAPIVersion, Usage: "QRadar REST API version header"},
					&cli.DurationFlag{Name: "poll-interval", Value: pushqradar.DefaultPollInterval, Usage: "how often to poll the install task"},
				),
				Action: pushQRadar,
			},
		},
	}
}

func wantApply(c *cli.Context) (bool, error) {
	if c.Bool("apply") && c.IsSet("dry-run") && c.Bool("dry-run") {
		return false, usagef("--apply and --dry-run contradict each other")
	}
	return c.Bool("apply"), nil
}

func token(env string) (string, error) {
	t := os.Getenv(env)
	if t == "" {
		return "", usagef("set %s to the API token (it is never printed)", env)
	}
	return t, nil
}

// Where each push Config field comes from on the command line.
var (
	chronicleFlags = map[string]string{"BaseURL": "--base-url", "Instance": "--instance", "Token": "DETGEN_CHRONICLE_TOKEN"}
	qradarFlags    = map[string]string{"BaseURL": "--url", "Token": "DETGEN_QRADAR_TOKEN", "APIVersion": "--api-version", "PollInterval": "--poll-interval"}
)

// flagError turns a client's Config error into a usage error naming the
// flag or environment variable the user set, not the Go field.
func flagError(err error, names map[string]string) error {
	var ce *push.ConfigError
	if errors.As(err, &ce) {
		if name, ok := names[ce.Field]; ok {
			return usagef("%s %s", name, ce.Problem)
		}
	}
	return err
}

// warnPlainHTTP warns, before any request, that the token is about to go
// over an unencrypted connection (loopback too: a proxy or a port forward
// may sit behind it).
func warnPlainHTTP(c *cli.Context, flag, raw, tokenVar string) {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "http" {
		fmt.Fprintf(c.App.ErrWriter, "detgen: warning: %s %s is plain http: %s will be sent unencrypted\n", flag, u.Redacted(), tokenVar)
	}
}

func pushChronicle(c *cli.Context) error {
	apply, err := wantApply(c)
	if err != nil {
		return err
	}
	if c.Bool("enable") && !apply {
		return usagef("--enable needs --apply (a dry run changes nothing)")
	}
	if c.String("instance") == "" {
		return usagef("push chronicle needs --instance (or DETGEN_CHRONICLE_INSTANCE)")
	}
	tok, err := token("DETGEN_CHRONICLE_TOKEN")
	if err != nil {
		return err
	}
	client, err := pushchronicle.New(pushchronicle.Config{BaseURL: c.String("base-url"), Instance: c.String("instance"), Token: tok, UserAgent: "detgen/" + version})
	if err != nil {
		return flagError(err, chronicleFlags)
	}
	_, arts, err := buildAll(c)
	if err != nil {
		return err
	}
	var rules []pushchronicle.Rule
	for _, a := range arts {
		if a.Target.Name == "chronicle" {
			rules = append(rules, pushchronicle.Rule{Name: a.Rule.Name, Text: string(a.Data), Source: "chronicle/" + a.Rule.ID + ".yaral"})
		}
	}
	warnPlainHTTP(c, "--base-url", c.String("base-url"), "DETGEN_CHRONICLE_TOKEN")
	ctx := context.Background()
	w := c.App.Writer
	if !apply {
		steps, err := client.Plan(ctx, rules)
		for _, s := range steps {
			fmt.Fprintf(w, "%-9s %s\n", s.Action, s.Rule.Name)
			for _, d := range s.Diagnostics {
				fmt.Fprintf(w, "          %s\n", d.Format(s.Rule.Source))
			}
		}
		if err != nil {
			return err
		}
		for _, s := range steps {
			if s.Action == pushchronicle.Invalid {
				return fmt.Errorf("plan has invalid rules; nothing would be pushed")
			}
		}
		fmt.Fprintln(w, "dry run: nothing changed (use --apply)")
		return nil
	}
	steps, err := client.Apply(ctx, rules, c.Bool("enable"))
	for _, s := range steps {
		state := string(s.Action)
		if s.Err != nil {
			state = "FAILED " + state
		}
		fmt.Fprintf(w, "%-16s %s %s\n", state, s.Rule.Name, s.RemoteID)
	}
	return err
}

func pushQRadar(c *cli.Context) error {
	apply, err := wantApply(c)
	if err != nil {
		return err
	}
	if c.String("url") == "" {
		return usagef("push qradar needs --url (or DETGEN_QRADAR_URL)")
	}
	tok, err := token("DETGEN_QRADAR_TOKEN")
	if err != nil {
		return err
	}
	client, err := pushqradar.New(pushqradar.Config{BaseURL: c.String("url"), Token: tok, APIVersion: c.String("api-version"), PollInterval: c.Duration("poll-interval"), MaxRetries: 3})
	if err != nil {
		return flagError(err, qradarFlags)
	}
	_, arts, err := buildAll(c)
	if err != nil {
		return err
	}
	// The same builder, from the same artifacts, as detgen build's
	// qradar/extension.zip: the bytes uploaded are the bytes built.
	ext, err := driver.QRadarExtension(arts)
	if err != nil {
		return err
	}
	if ext == nil {
		return fmt.Errorf("no QRadar artifact to push")
	}
	searches := ext.Searches
	warnPlainHTTP(c, "--url", c.String("url"), "DETGEN_QRADAR_TOKEN")
	ctx := context.Background()
	w := c.App.Writer
	var steps []pushqradar.Step
	if apply {
		steps, err = client.Apply(ctx, ext.Archive, searches)
	} else {
		steps, err = client.Plan(ctx, ext.Archive, searches)
	}
	for _, s := range steps {
		state := s.Action.String()
		if apply && s.Err != nil {
			state = "FAILED " + state
		}
		fmt.Fprintf(w, "%-16s %s\n", state, s.Search.Name)
		for _, m := range s.Messages {
			fmt.Fprintf(w, "                 %s\n", m)
		}
	}
	if err != nil {
		return err
	}
	if !apply {
		for _, s := range steps {
			if s.Action == pushqradar.Invalid {
				return fmt.Errorf("plan has invalid queries; nothing would be pushed")
			}
		}
		fmt.Fprintln(w, "dry run: nothing changed (use --apply)")
	}
	return nil
}
