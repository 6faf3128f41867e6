package content

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
)

// Document is an extension as Parse reads it back.
type Document struct {
	QRadarVersion string
	Properties    []ParsedProperty
	Searches      []ParsedSearch
	Rules         []ParsedRule
}

// ParsedProperty is a custom property with its JSON expressions.
type ParsedProperty struct {
	ID          int
	Name        string
	Type        string
	ForceParse  bool
	Expressions []ParsedExpression
}

// ParsedExpression is one JSON expression of a property.
type ParsedExpression struct {
	LogSourceTypeID int
	Expression      string
	Enabled         bool
}

// ParsedSearch is a saved search.
type ParsedSearch struct {
	UID, Name, Description, Database, AQL string
}

// ParsedRule is a custom rule with its rule XML decoded.
type ParsedRule struct {
	ID       int
	UUID     string
	Origin   string
	RuleType int
	Name     string
	Notes    string
	Enabled  bool
	Type     string // EVENT
	// Filter is the AQL filter test's query, decoded.
	Filter                           string
	Severity, Credibility, Relevance int
	CreateDate, ModDate              string
}

// Parse decodes an extension written by Build (bare XML) or BuildArchive
// (a zip holding it).
func Parse(b []byte) (*Document, error) {
	if IsArchive(b) {
		x, err := readArchive(b)
		if err != nil {
			return nil, fmt.Errorf("qradar: extension archive: %w", err)
		}
		b = x
	}
	var c xmlContent
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("qradar: extension is not a <content> document: %w", err)
	}
	doc := &Document{QRadarVersion: c.QRadarVersion}
	var errs []error
	byID := map[int]int{}
	for _, p := range c.Properties {
		if _, dup := byID[p.ID]; dup {
			errs = append(errs, fmt.Errorf("property id %d is used twice", p.ID))
		}
		byID[p.ID] = len(doc.Properties)
		doc.Properties = append(doc.Properties, ParsedProperty{ID: p.ID, Name: p.Name, Type: p.Type, ForceParse: p.ForceParse})
	}
	for _, e := range c.Expressions {
		i, ok := byID[e.APID]
		if !ok {
			errs = append(errs, fmt.Errorf("JSON expression %d belongs to no property (ap_id %d)", e.ID, e.APID))
			continue
		}
		doc.Properties[i].Expressions = append(doc.Properties[i].Expressions,
			ParsedExpression{LogSourceTypeID: e.DeviceTypeID, Expression: e.Expression, Enabled: e.Enabled})
	}
	for _, s := range c.Searches {
		doc.Searches = append(doc.Searches, ParsedSearch{UID: s.UID, Name: s.Name, Description: s.Description, Database: s.Database, AQL: s.AQL})
	}
	for _, r := range c.Rules {
		pr, err := parseRule(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("custom rule %s: %w", r.UUID, err))
			continue
		}
		doc.Rules = append(doc.Rules, pr)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("qradar: invalid extension: %w", errors.Join(errs...))
	}
	return doc, nil
}

func parseRule(r xmlCustomRule) (ParsedRule, error) {
	raw, err := base64.StdEncoding.DecodeString(r.RuleData)
	if err != nil {
		return ParsedRule{}, fmt.Errorf("rule_data is not base64: %w", err)
	}
	var rd ruleDoc
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&rd); err != nil {
		return ParsedRule{}, fmt.Errorf("rule_data is not rule XML: %w", err)
	}
	pr := ParsedRule{
		ID: r.ID, UUID: r.UUID, Origin: r.Origin, RuleType: r.RuleType, CreateDate: r.CreateDate, ModDate: r.ModDate,
		Name: rd.Name, Notes: rd.Notes, Enabled: rd.Enabled, Type: rd.Type,
	}
	if rd.ID != r.ID {
		return pr, fmt.Errorf("rule XML id %d differs from custom_rule id %d", rd.ID, r.ID)
	}
	found := false
	for _, t := range rd.Tests {
		if t.Name != AQLTestClass {
			continue
		}
		for _, p := range t.Parameters {
			if p.ID == 1 {
				if pr.Filter, err = DecodeFilter(p.UserSelection); err != nil {
					return pr, err
				}
				found = true
			}
		}
	}
	if !found {
		return pr, errors.New("rule has no AQL filter test")
	}
	if ne := rd.Responses.NewEvent; ne != nil {
		pr.Severity, pr.Credibility, pr.Relevance = ne.Severity, ne.Credibility, ne.Relevance
	}
	return pr, nil
}
