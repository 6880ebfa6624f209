extension Templates {
    static let signIn = """
        {{<layout}}{{$body}}
        <h1>{{t.sign_in_title}}</h1>
        {{#refused}}<div class="error" role="alert"><p lang="ar" dir="rtl">{{arabic}}</p><p lang="en" dir="ltr">{{english}}</p></div>{{/refused}}
        <form method="post" action="/console/sign-in" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="token">{{t.staff_token}}</label>
          <input id="token" name="token" type="password" autocomplete="off" required maxlength="200" spellcheck="false">
          <button type="submit">{{t.sign_in}}</button>
        </form>
        <p class="note">{{t.sign_in_note}}</p>
        {{/body}}{{/layout}}
        """

    static let queue = """
        {{<layout}}{{$body}}
        <h1>{{t.queue_title}}</h1>
        <dl class="tiles">
          {{#tiles}}<div class="tile{{#alert}} alert{{/alert}}" id="tile-{{id}}"><dt>{{label}}</dt><dd data-value="{{value}}">{{text}}</dd></div>{{/tiles}}
        </dl>
        <h2>{{t.last_hour}}</h2>
        {{#chart}}{{>bar_chart}}{{/chart}}
        <p><a href="/console/queue">{{t.refresh}}</a> · <a href="/console/failed">{{t.failed_title}}</a></p>
        <form method="get" action="/console/find" class="card find">
          <label for="q">{{t.find_label}}</label>
          <input id="q" name="q" type="search" maxlength="100" required spellcheck="false">
          <button type="submit">{{t.find}}</button>
        </form>
        {{/body}}{{/layout}}
        """

    static let failed = """
        {{<layout}}{{$body}}
        <h1>{{t.failed_title}}</h1>
        {{^requests}}<p>{{t.no_failed}}</p>{{/requests}}
        {{#has_requests}}
        <table class="list" id="failed">
          <thead><tr><th scope="col">{{t.request}}</th><th scope="col">{{t.service}}</th><th scope="col">{{t.subject}}</th><th scope="col">{{t.error_code}}</th><th scope="col">{{t.error}}</th><th scope="col">{{t.attempts}}</th><th scope="col">{{t.decided}}</th><th scope="col"><span class="visually-hidden">{{t.redrive}}</span></th></tr></thead>
          <tbody>
          {{#requests}}
          <tr data-request="{{id}}">
            <td><a href="/console/requests/{{id}}">{{short_id}}</a></td>
            <td>{{service}}</td><td>{{subject}}</td><td><code>{{error_code}}</code></td><td class="detail">{{error}}</td><td>{{attempts}}</td><td>{{decided_at}}</td>
            <td><form method="post" action="/console/requests/{{id}}/retry" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit" aria-label="{{t.redrive}} {{short_id}}">{{t.redrive}}</button>
            </form></td>
          </tr>
          {{/requests}}
          </tbody>
        </table>
        {{#next_href}}<p><a href="{{next_href}}">{{t.more}}</a></p>{{/next_href}}
        {{/has_requests}}
        {{/body}}{{/layout}}
        """

    static let request = """
        {{<layout}}{{$body}}
        <h1>{{t.request}} <code>{{id}}</code></h1>
        <dl class="facts">
          <dt>{{t.service}}</dt><dd>{{service}} — {{service_name}}</dd>
          <dt>{{t.state}}</dt><dd class="state {{state}}" id="state">{{state_label}}</dd>
          <dt>{{t.subject}}</dt><dd>{{#subject_href}}<a href="{{subject_href}}">{{subject}}</a>{{/subject_href}}{{^subject_href}}{{subject}}{{/subject_href}}</dd>
          {{#establishment}}<dt>{{t.establishment}}</dt><dd><a href="/console/establishments/{{establishment}}">{{establishment}}</a></dd>{{/establishment}}
          <dt>{{t.actor}}</dt><dd>{{actor}}</dd>
          <dt>{{t.submitted}}</dt><dd>{{submitted_at}}</dd>
          {{#decided_at}}<dt>{{t.decided}}</dt><dd>{{decided_at}}</dd>{{/decided_at}}
          <dt>{{t.attempts}}</dt><dd>{{attempts}}</dd>
        </dl>
        {{#has_reasons}}<h2>{{t.reasons}}</h2>
        <ul class="reasons" id="reasons">{{#reasons}}<li><code>{{code}}</code><p lang="ar" dir="rtl">{{arabic}}</p><p lang="en" dir="ltr">{{english}}</p></li>{{/reasons}}</ul>{{/has_reasons}}
        {{#error}}<h2>{{t.error}}</h2><p><code>{{code}}</code></p><p lang="ar" dir="rtl">{{arabic}}</p><p lang="en" dir="ltr">{{english}}</p>{{#detail}}<pre class="detail">{{detail}}</pre>{{/detail}}
        {{#can_redrive}}<form method="post" action="/console/requests/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{t.redrive}}</button></form>{{/can_redrive}}{{/error}}
        <h2>{{t.payload}}</h2>
        <pre class="json" id="payload">{{payload}}</pre>
        {{#outcome}}<h2>{{t.outcome}}</h2><pre class="json">{{outcome}}</pre>{{/outcome}}
        <h2>{{t.events}}</h2>
        {{>timeline}}
        {{/body}}{{/layout}}
        """

    /// A history as a timeline, oldest first.
    static let timeline = """
        {{^events}}<p>{{t.no_events}}</p>{{/events}}
        {{#more_events}}<p class="note">{{t.newest_events}}</p>{{/more_events}}
        <ol class="timeline">
        {{#events}}
          <li><time datetime="{{iso}}">{{at}}</time> <strong>{{type}}</strong> <span class="muted">{{stream}} #{{seq}}</span>
            {{#request}}<a href="/console/requests/{{request}}">{{t.request}}</a>{{/request}}
            <details><summary>{{t.data}}</summary><pre class="json">{{data}}</pre></details></li>
        {{/events}}
        </ol>
        """

    static let worker = """
        {{<layout}}{{$body}}
        <h1>{{t.worker}} {{id}}</h1>
        <dl class="facts">
          {{#facts}}<dt>{{label}}</dt><dd>{{#href}}<a href="{{href}}">{{value}}</a>{{/href}}{{^href}}{{value}}{{/href}}</dd>{{/facts}}
        </dl>
        <h2>{{t.open_cases}}</h2>
        {{^cases}}<p>{{t.none}}</p>{{/cases}}
        <ul>{{#cases}}<li>{{kind}} ({{state}}) — {{t.since}} {{opened}}{{#deadline}}, {{t.deadline}} {{deadline}}{{/deadline}}</li>{{/cases}}</ul>
        <h2>{{t.next_steps}}</h2>
        <ul class="next">{{#next}}<li class="{{#allowed}}yes{{/allowed}}{{^allowed}}no{{/allowed}}">{{#allowed}}✔{{/allowed}}{{^allowed}}✘{{/allowed}} {{service}}{{#reason}} — {{reason}}{{/reason}}</li>{{/next}}</ul>
        <h2>{{t.history}}</h2>
        {{>timeline}}
        {{/body}}{{/layout}}
        """

    static let establishment = """
        {{<layout}}{{$body}}
        <h1>{{t.establishment}} {{id}}</h1>
        <dl class="facts">
          {{#facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/facts}}
        </dl>
        <p><a href="/console/establishments/{{id}}/workers">{{t.workers}}</a></p>
        <h2>{{t.history}}</h2>
        {{>timeline}}
        {{/body}}{{/layout}}
        """

    static let workers = """
        {{<layout}}{{$body}}
        <h1>{{t.workers}} — {{id}}</h1>
        <table class="list"><thead><tr><th scope="col">{{t.worker}}</th><th scope="col">{{t.name}}</th><th scope="col">{{t.occupation}}</th><th scope="col">{{t.permit}}</th></tr></thead>
        <tbody>{{#workers}}<tr><td><a href="/console/workers/{{id}}">{{id}}</a></td><td>{{name}}</td><td>{{occupation}}</td><td>{{permit}}</td></tr>{{/workers}}</tbody></table>
        {{#next_href}}<p><a href="{{next_href}}">{{t.more}}</a></p>{{/next_href}}
        {{/body}}{{/layout}}
        """

    /// Every workflow, drawn from the tables the engine runs (`ServiceCatalog.workflows`).
    static let workflows = """
        {{<layout}}{{$body}}
        <h1>{{t.workflows_title}}</h1>
        <nav aria-label="{{t.workflows_title}}"><ul class="toc">{{#diagrams}}<li><a href="#wf-{{anchor}}">{{title}}</a></li>{{/diagrams}}</ul></nav>
        {{#diagrams}}
        <section id="wf-{{anchor}}" class="workflow">
          <h2>{{title}}</h2>
          <svg class="diagram" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="wf-{{anchor}}-title">
            <title id="wf-{{anchor}}-title">{{title}}</title>
            <defs><marker id="arrow-{{anchor}}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>
            {{#edges}}<g class="edge"><path d="{{path}}" marker-end="url(#arrow-{{anchor}})"></path><text x="{{lx}}" y="{{ly}}" text-anchor="middle">{{action}}</text></g>{{/edges}}
            {{#nodes}}<g class="node{{#initial}} initial{{/initial}}{{#final}} final{{/final}}"><rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" rx="8"></rect><text x="{{cx}}" y="{{cy}}" text-anchor="middle">{{name}}</text></g>{{/nodes}}
          </svg>
          <table class="list"><caption>{{t.transitions}}</caption><thead><tr><th scope="col">{{t.from_state}}</th><th scope="col">{{t.action}}</th><th scope="col">{{t.to_state}}</th><th scope="col">{{t.event}}</th><th scope="col">{{t.by}}</th></tr></thead>
          <tbody>{{#edges}}<tr><td>{{from}}</td><td>{{action}}</td><td>{{to}}</td><td>{{event}}</td><td>{{by}}</td></tr>{{/edges}}</tbody></table>
        </section>
        {{/diagrams}}
        {{/body}}{{/layout}}
        """
}
