package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tawasul/tawasul/config"
	"github.com/tawasul/tawasul/payload"
)

// ErrNoPayloadKey: neither secrets.payload_keys nor secrets.payload_key_file
// holds a key.
var ErrNoPayloadKey = errors.New("secrets.payload_keys (TAWASUL_SECRETS_PAYLOAD_KEYS) or secrets.payload_key_file is required: " +
	"every payload handed to Temporal is sealed with it")

// PayloadKeys reads the configured keys, newest first: secrets.payload_keys,
// then the entries of secrets.payload_key_file.
func PayloadKeys(s config.SecretsConfig) ([]payload.Key, error) {
	keys, err := payload.ParseKeys(s.PayloadKeys)
	if err != nil {
		return nil, fmt.Errorf("secrets.payload_keys: %w", err)
	}
	if s.PayloadKeyFile != "" {
		b, err := os.ReadFile(s.PayloadKeyFile)
		if err != nil {
			return nil, fmt.Errorf("secrets.payload_key_file: %w", err)
		}
		more, err := payload.ParseKeys(string(b))
		if err != nil {
			return nil, fmt.Errorf("secrets.payload_key_file %s: %w", s.PayloadKeyFile, err)
		}
		keys = append(keys, more...)
	}
	return keys, nil
}

// PayloadCodec builds the codec from the configured keys; ErrNoPayloadKey
// without one.
func PayloadCodec(cfg config.Config) (*payload.Codec, error) {
	keys, err := PayloadKeys(cfg.Secrets)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, ErrNoPayloadKey
	}
	return payload.New(payload.Options{Keys: keys, AcceptPlain: cfg.Temporal.AcceptPlainPayloads})
}

// devPayloadKeyFile is where `tawasul dev` keeps its generated key.
const devPayloadKeyFile = "payload-keys"

// DevPayloadKeys is `tawasul dev`'s key when none is configured: drawn at
// random on the first start and kept in <data_dir>/payload-keys (0600), so
// the embedded Temporal's histories, in the same directory, stay readable
// across restarts; new every start in memory mode, where nothing outlives
// the process. Not derived from anything: dev has no secret to derive from.
// It returns the entry for secrets.payload_key_file's format and the file
// ("" in memory mode).
func DevPayloadKeys(dataDir string, memory bool) (string, error) {
	if memory {
		k, err := payload.NewKey("dev")
		if err != nil {
			return "", err
		}
		return payload.FormatKey(k), nil
	}
	path := filepath.Join(dataDir, devPayloadKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	k, err := payload.NewKey("dev")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dataDir, err)
	}
	// O_EXCL: two starts racing on a new data dir do not overwrite each
	// other's key (the loser reads the winner's).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return DevPayloadKeys(dataDir, memory)
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	entry := payload.FormatKey(k)
	if _, err := f.WriteString(entry + "\n"); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return entry, nil
}
