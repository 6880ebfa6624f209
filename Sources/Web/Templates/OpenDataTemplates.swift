extension Templates {
    /// A row's five counts, each with its number for machines (`data-value`) and for people.
    static let counts = """
        <td data-outcome="completed" data-value="{{completed_value}}">{{completed}}</td>\
        <td data-outcome="rejected" data-value="{{rejected_value}}">{{rejected}}</td>\
        <td data-outcome="failed" data-value="{{failed_value}}">{{failed}}</td>\
        <td data-outcome="cancelled" data-value="{{cancelled_value}}">{{cancelled}}</td>\
        <td data-outcome="total" data-value="{{total_value}}">{{total}}</td>
        """

    /// `/open-data`: the period's figures as the seed groups them, a bar per month, and the
    /// same rows month by month (what the CSV holds).
    static let openData = """
        {{<layout}}{{$body}}
        <h1>{{t.open_data_title}}</h1>
        <p class="lead">{{period_text}}</p>
        <form method="get" action="/open-data" class="period">
          <label for="from">{{t.from_month}}</label>
          <select id="from" name="from">{{#months_from}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/months_from}}</select>
          <label for="to">{{t.to_month}}</label>
          <select id="to" name="to">{{#months_to}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/months_to}}</select>
          <button type="submit">{{t.show}}</button>
        </form>
        <p class="downloads">
          <a href="{{csv_href}}" download>{{t.download_csv}}</a> ·
          <a href="{{json_href}}">{{t.download_json}}</a> ·
          <a href="{{press_href}}">{{t.press_release}}</a>
        </p>
        <p class="big">{{t.beneficiaries}}: <strong id="beneficiaries" data-value="{{beneficiaries_value}}">{{beneficiaries}}</strong></p>
        <h2>{{t.by_month}}</h2>
        {{#chart}}{{>bar_chart}}{{/chart}}
        {{^has_months}}<p>{{t.no_decisions}}</p>{{/has_months}}
        <p class="legend"><span class="key completed"></span> {{t.completed}} <span class="key refused"></span> {{t.rejected_other}}</p>
        <h2>{{t.by_service}}</h2>
        <table class="figures" id="figures">
          <caption>{{period_text}}</caption>
          <thead><tr><th scope="col">{{t.service}}</th><th scope="col">{{t.completed}}</th><th scope="col">{{t.rejected}}</th><th scope="col">{{t.failed}}</th><th scope="col">{{t.cancelled}}</th><th scope="col">{{t.total}}</th></tr></thead>
          {{#groups}}
          <tbody>
            <tr class="group"><th scope="rowgroup" colspan="6">{{title}}</th></tr>
            {{#rows}}
            <tr data-service="{{service}}"{{#derived}} class="derived"{{/derived}}>
              <th scope="row">{{label}}</th>
              {{>counts}}
            </tr>
            {{/rows}}
          </tbody>
          {{/groups}}
          <tfoot>{{#grand}}<tr data-service="*"><th scope="row">{{t.all_services}}</th>
            {{>counts}}</tr>{{/grand}}</tfoot>
        </table>
        <details>
          <summary>{{t.month_by_month}}</summary>
          <table class="figures" id="monthly">
            <thead><tr><th scope="col">{{t.month}}</th><th scope="col">{{t.service}}</th><th scope="col">{{t.completed}}</th><th scope="col">{{t.rejected}}</th><th scope="col">{{t.failed}}</th><th scope="col">{{t.cancelled}}</th><th scope="col">{{t.total}}</th></tr></thead>
            <tbody>
            {{#monthly}}
            <tr data-month="{{month}}" data-service="{{service}}">
              <td>{{month_label}}</td><th scope="row">{{label}}</th>
              {{>counts}}
            </tr>
            {{/monthly}}
            </tbody>
          </table>
        </details>
        <p class="note">{{t.open_data_note}}</p>
        {{/body}}{{/layout}}
        """

    /// `/open-data/press-release`: the seed's press release, in Arabic, from the period's figures.
    static let pressRelease = """
        {{<layout}}{{$body}}
        <article class="press" lang="ar" dir="rtl">
          <h1>{{headline}}</h1>
          {{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
          <table class="figures" id="release">
            <caption>{{caption}}</caption>
            <thead><tr><th scope="col">الخدمة</th><th scope="col">العدد</th></tr></thead>
            <tbody>
            <tr data-service="*"><th scope="row">المستفيدون من الخدمات الإلكترونية</th><td data-value="{{beneficiaries_value}}">{{beneficiaries}}</td></tr>
            {{#rows}}<tr data-service="{{service}}"><th scope="row">{{label}}</th><td data-value="{{value}}">{{count}}</td></tr>{{/rows}}
            </tbody>
          </table>
        </article>
        <p class="note">{{t.press_note}}</p>
        <p><a href="{{back}}">{{t.back}}</a></p>
        {{/body}}{{/layout}}
        """
}
