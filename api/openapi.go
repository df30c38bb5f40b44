package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed openapi.yaml
var openapiYAML []byte

func serveOpenAPI(c *gin.Context) error {
	c.Data(http.StatusOK, "application/yaml", openapiYAML)
	return nil
}
