internal import Reports

/// The portal's stylesheet (the report's, plus the portal's own pieces) and its one script.
enum PortalAssets {
    static let css = ReportWriter.stylesheet + """

        .ptop{display:flex;flex-wrap:wrap;align-items:center;gap:1em;border-bottom:1px solid #ddd;padding:.5em 0;margin-bottom:1em}
        .brand{font-weight:600}.pnav{display:flex;gap:1em;align-items:center;flex-wrap:wrap}.pnav .who{color:#666}
        form.inline{display:inline}.pfilter{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin:.5em 0}
        .pfilter label,.login label{display:flex;flex-direction:column;font-size:.85em}
        .login{max-width:22em}.login form{display:flex;flex-direction:column;gap:.7em;margin-bottom:1.5em}
        .perr{color:#b00020}table.plist{border-collapse:collapse;width:100%}table.plist td,table.plist th{border-bottom:1px solid #eee;padding:.3em .5em;text-align:left}
        .ppages{margin:1em 0}.pcount{color:#666}video#recording{width:100%;max-height:60vh;background:#000}
        .pclips{display:flex;flex-wrap:wrap;gap:1em}.pclips video{width:320px}.pclips figure{margin:0}
        iframe.preport{width:100%;height:80vh;border:1px solid #ddd}.pchart{width:100%;max-width:760px}.pchart.rtch{max-width:320px}
        .pfindings li{margin:.3em 0}button.seek{font-size:.85em;cursor:pointer}.tk{font-size:10px;fill:#555}
        """

    /// A finding's moment seeks the recording (the page has no inline script: CSP `script-src 'self'`).
    static let js = """
        document.addEventListener('click', function (ev) {
          var b = ev.target.closest('button.seek');
          if (!b) return;
          var v = document.getElementById('recording');
          if (!v) return;
          v.currentTime = parseFloat(b.dataset.t);
          v.play().catch(function () {});
        });
        """
}
