package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Disk is a Store on a local directory: each blob is a file named by its key
// in a subdirectory named by the key's first two digits (so no directory
// grows past a few thousand entries). Every access goes through an os.Root,
// which refuses paths leaving the directory even through symbolic links, on
// top of the key check. Files are 0600 and directories 0700: only the
// service's user reads beneficiaries' documents.
type Disk struct {
	root *os.Root
}

// tmpPrefix starts the name of a blob being written; Sweep removes any a
// crash left behind.
const tmpPrefix = ".tmp-"

// NewDisk opens (creating it if needed) the directory dir.
func NewDisk(dir string) (*Disk, error) {
	if dir == "" {
		return nil, errors.New("attachments: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("attachments: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("attachments: open %s: %w", dir, err)
	}
	return &Disk{root: root}, nil
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

func shardOf(key string) string { return key[:2] }

func pathOf(key string) string { return shardOf(key) + "/" + key }

// Put writes r to a temporary file, syncs it, and only then renames it to
// its key and syncs the directory: a crash at any point leaves either the
// whole blob or a temporary file Sweep removes, never a short blob.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader) (err error) {
	if !ValidKey(key) {
		return ErrBadKey
	}
	shard := shardOf(key)
	if err := d.root.MkdirAll(shard, 0o700); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	tmp := shard + "/" + tmpPrefix + key
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("attachments: put %s: sync: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("attachments: put %s: close: %w", key, err)
	}
	// Keys are random, so a clash is a bug; rename would silently replace.
	if _, err := d.root.Lstat(pathOf(key)); err == nil {
		return ErrExists
	}
	if err := d.root.Rename(tmp, pathOf(key)); err != nil {
		return fmt.Errorf("attachments: put %s: rename: %w", key, err)
	}
	// The rename is durable only once the directory entry is.
	dir, err := d.root.Open(shard)
	if err != nil {
		return fmt.Errorf("attachments: put %s: open directory: %w", key, err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("attachments: put %s: sync directory: %w", key, err)
	}
	return nil
}

func (d *Disk) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrBadKey
	}
	f, err := d.root.Open(pathOf(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: open %s: %w", key, err)
	}
	return f, nil
}

func (d *Disk) Delete(_ context.Context, key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	if err := d.root.Remove(pathOf(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attachments: delete %s: %w", key, err)
	}
	return nil
}

// Sweep removes what a crash can leave behind, if older than before:
// temporary files, and blobs no row refers to (the process died between
// storing a blob and recording it, or between dropping a row and its blob).
// inUse answers for one key. The age bound keeps an upload in flight safe:
// its blob exists before its row does.
func (d *Disk) Sweep(ctx context.Context, before time.Time, inUse func(ctx context.Context, key string) (bool, error)) (int, error) {
	fsys := d.root.FS()
	shards, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return 0, fmt.Errorf("attachments: sweep: %w", err)
	}
	removed := 0
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 {
			continue
		}
		entries, err := fs.ReadDir(fsys, sh.Name())
		if err != nil {
			return removed, fmt.Errorf("attachments: sweep %s: %w", sh.Name(), err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return removed, err
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(before) {
				continue
			}
			name := e.Name()
			switch {
			case strings.HasPrefix(name, tmpPrefix):
			case ValidKey(name):
				used, err := inUse(ctx, name)
				if err != nil {
					return removed, fmt.Errorf("attachments: sweep: is %s in use: %w", name, err)
				}
				if used {
					continue
				}
			default:
				continue // not ours: leave it to the operator
			}
			if err := d.root.Remove(sh.Name() + "/" + name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("attachments: sweep %s: %w", name, err)
			}
			removed++
		}
	}
	return removed, nil
}

// ctxReader stops a copy once ctx ends, so an abandoned upload does not
// keep writing.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
