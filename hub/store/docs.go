package store

import (
	"context"
	"fmt"
)

const docSchema = `CREATE TABLE IF NOT EXISTS docs (
	ns  TEXT NOT NULL,
	key TEXT NOT NULL,
	doc TEXT NOT NULL,
	PRIMARY KEY (ns, key)
)`

// saveDoc keeps one JSON document under a namespace (ddns record states,
// the last public addresses), replacing the previous one.
func (s *Store) saveDoc(ctx context.Context, ns, key string, doc []byte) error {
	if _, err := s.db.ExecContext(ctx, docSchema); err != nil {
		return fmt.Errorf("%w: docs table: %w", ErrStore, err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO docs (ns, key, doc) VALUES (?, ?, ?)
		ON CONFLICT(ns, key) DO UPDATE SET doc = excluded.doc`, ns, key, string(s.redact.Bytes(doc)))
	if err != nil {
		return fmt.Errorf("%w: saving %s/%s: %w", ErrStore, ns, key, err)
	}
	return nil
}

// Docs returns every document of a namespace by key.
func (s *Store) Docs(ctx context.Context, ns string) (map[string][]byte, error) {
	if _, err := s.db.ExecContext(ctx, docSchema); err != nil {
		return nil, fmt.Errorf("%w: docs table: %w", ErrStore, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key, doc FROM docs WHERE ns = ?`, ns)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrStore, ns, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var key, doc string
		if err := rows.Scan(&key, &doc); err != nil {
			return nil, fmt.Errorf("%w: reading %s: %w", ErrStore, ns, err)
		}
		out[key] = []byte(doc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrStore, ns, err)
	}
	return out, nil
}
