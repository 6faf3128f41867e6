package main

import (
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/spec"
	"github.com/urfave/cli/v2"
)

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "print the JSON Schema (draft 2020-12) of the detection spec format",
		ArgsUsage: " ",
		Description: "Prints a JSON Schema of the spec format for editors and CI: every key, its\n" +
			"type, required keys, enumerations and patterns, and the detection block's\n" +
			"selections. logsource is limited to the catalogs this binary embeds. detgen\n" +
			"validate still checks what a schema cannot: fields against the log source's\n" +
			"catalog, ATT&CK ids and names, the condition's grammar, test outcomes.\n\n" +
			"Editors using yaml-language-server read it from a comment on a spec's first line:\n" +
			"  detgen schema > spec.schema.json\n" +
			"  # yaml-language-server: $schema=../../spec.schema.json\n\n" +
			"docs/spec.md documents every key.",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("schema takes no arguments")
			}
			data, err := spec.JSONSchema(spec.SchemaOptions{Logsources: mappings.LogsourceNames()})
			if err != nil {
				return err
			}
			_, err = c.App.Writer.Write(data)
			return err
		},
	}
}
