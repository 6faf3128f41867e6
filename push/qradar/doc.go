// Package qradar pushes detgen's compiled rules into an IBM QRadar console.
//
// It has two halves:
//
//   - BuildExtension renders the content extension (package content,
//     backends/qradar/content): a zip holding one <content> XML file with
//     each rule as a saved search (the AQL) and a real-time custom rule (the
//     AQL's WHERE clause as the Custom Rules Engine test "when the event
//     matches this AQL filter query", the spec's severity in the rule's
//     response), plus the custom event properties (JSON expressions) the AQL
//     reads. detgen build writes it to qradar/extension.zip and detgen push
//     qradar uploads the same bytes (driver.QRadarExtension builds both).
//   - Client talks to the QRadar REST API: it validates AQL with
//     POST /ariel/validators/aql, compares the wanted saved searches with the
//     ones installed (GET /ariel/saved_searches: AQL and description) and
//     the custom rules (GET /analytics/rules, by identifier = the rule's
//     uuid), and uploads and installs the extension
//     (POST /config/extension_management/extensions as application/zip,
//     then .../extensions/{id}?action_type=INSTALL&overwrite=true, then
//     polling .../extensions_task_status/{status_id}), and reads searches
//     and rules back.
//
// Package qradartest provides an in-process fake console for tests; it
// reads the extension with its own decoder.
//
// # Extension format
//
// What the format is, element by element, and which parts come from IBM's
// documentation or real exports and which are inferred (VERIFY on a
// console) is in docs/qradar-content.md. The archive has no timestamps but
// the rules' own dates, so equal input always gives equal bytes.
//
// # Secrets
//
// The SEC token is only ever written into the SEC request header. It never
// appears in errors (server-provided text is scrubbed of it, raw and
// URL-encoded, as a whole word: push.Redact), and Config and
// Client format themselves with the token redacted. Redirects are not
// followed, so the header cannot be forwarded to another host.
package qradar
