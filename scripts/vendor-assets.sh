#!/usr/bin/env bash
# Refreshes the third-party browser assets the service serves itself (app/static/vendor/) and
# the axe-core script the browser tests inject (tests/browser/assets/). Nothing is loaded from
# outside at run time; this script is the only place that talks to the npm registry.
# Versions and licences: app/static/vendor/README.md. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
SWAGGER=5.35.0 REDOC=2.5.4 CHARTJS=4.6.1 GOVUK=6.6.0 AXE=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack() { (cd "$work" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1" && tar xzf ./*"$2".tgz -C "$1" && rm ./*"$2".tgz); }
unpack swagger-ui-dist "$SWAGGER"
unpack redoc "$REDOC"
unpack chart.js "$CHARTJS"
unpack govuk-frontend "$GOVUK"
unpack axe-core "$AXE"

out=app/static/vendor
mkdir -p "$out/swagger-ui" "$out/redoc" "$out/chartjs" "$out/govuk-frontend" tests/browser/assets
cp "$work/swagger-ui-dist/package/"{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE} "$out/swagger-ui/"
cp "$work/redoc/package/bundles/redoc.standalone.js" "$work/redoc/package/LICENSE" "$out/redoc/"
cp "$work/redoc/package/bundles/redoc.standalone.js.LICENSE.txt" "$out/redoc/THIRD-PARTY-LICENSES.txt"
# ReDoc shows a "powered by" logo fetched from its makers' CDN; the page must load nothing from
# outside, so the logo's address becomes an empty image (ReDoc then hides it by itself).
sed -i 's#"https://cdn.redoc.ly/redoc/logo-mini.svg"#"data:,"#' "$out/redoc/redoc.standalone.js"
cp "$work/chart.js/package/dist/chart.umd.min.js" "$work/chart.js/package/LICENSE.md" "$out/chartjs/"
# The GDS Transport font is licensed for GOV.UK services only: its @font-face rules are removed,
# so the pages fall back to the system's Arial/Liberation Sans.
python3 - "$work/govuk-frontend/package/dist/govuk/govuk-frontend.min.css" \
    "$out/govuk-frontend/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
# The npm package states its licence in package.json and README ("MIT License"); the text is
# the one of the govuk-frontend repository.
cat > "$out/govuk-frontend/LICENSE.txt" <<'TXT'
The MIT License (MIT)

Copyright (c) 2016 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
TXT
# Source maps point at files we do not ship; browsers would ask for them in developer tools.
sed -i -e '/^\/\/# sourceMappingURL=/d' -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$out/swagger-ui/swagger-ui-bundle.js" "$out/swagger-ui/swagger-ui.css" \
    "$out/chartjs/chart.umd.min.js" "$out/redoc/redoc.standalone.js"
cp "$work/axe-core/package/axe.min.js" "$work/axe-core/package/LICENSE" tests/browser/assets/
echo "vendored: swagger-ui-dist $SWAGGER, redoc $REDOC, chart.js $CHARTJS, govuk-frontend $GOVUK, axe-core $AXE"
