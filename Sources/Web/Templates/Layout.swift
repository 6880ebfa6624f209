/// The frame of every page: language and direction, the switches, the console's navigation,
/// and a `body` block each page fills. Every value is written with `{{…}}`, which escapes
/// it; no template uses `{{{…}}}` or `{{&…}}` (a test checks).
extension Templates {
    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}" dir="{{dir}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} — {{t.brand}}</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="{{stylesheet}}">
        </head>
        <body>
        <a class="skip" href="#main">{{t.skip}}</a>
        <header class="top">
          <a class="brand" href="{{home}}">{{t.brand}}</a>
          {{#nav}}
          <nav aria-label="{{t.navigation}}">
            <ul>
            {{#items}}
              <li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>
            {{/items}}
            </ul>
          </nav>
          {{/nav}}
          <div class="switches">
            <a href="{{switches.language_href}}" lang="{{switches.language_code}}">{{switches.language_label}}</a>
            <a href="{{switches.digits_href}}" title="{{t.digits}}">{{switches.digits_label}}</a>
            {{#signed_in}}
            <span class="who">{{user_name}}</span>
            <form method="post" action="/console/sign-out" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit">{{t.sign_out}}</button>
            </form>
            {{/signed_in}}
          </div>
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{$body}}{{/body}}
        </main>
        <footer><p>{{t.footer}}</p></footer>
        </body>
        </html>
        """

    /// A refusal or a page that is not there, in both languages.
    static let error = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <p lang="ar" dir="rtl">{{message_ar}}</p>
        <p lang="en" dir="ltr">{{message_en}}</p>
        {{#code}}<p><code>{{code}}</code></p>{{/code}}
        <p><a href="{{back}}">{{t.back}}</a></p>
        {{/body}}{{/layout}}
        """

    /// A bar chart drawn on the server: bars, their labels and a title for screen readers.
    static let barChart = """
        <svg class="chart" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="{{id}}-title">
          <title id="{{id}}-title">{{title}}</title>
          <line class="axis" x1="0" y1="{{baseline}}" x2="{{width}}" y2="{{baseline}}"></line>
          {{#bars}}
          <g class="bar">
            <rect class="{{class}}" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"><title>{{tooltip}}</title></rect>
            {{#rejected_h}}<rect class="refused" x="{{x}}" y="{{rejected_y}}" width="{{w}}" height="{{rejected_h}}"></rect>{{/rejected_h}}
            {{#value}}<text class="value" x="{{cx}}" y="{{value_y}}" text-anchor="middle">{{value}}</text>{{/value}}
            {{#label}}<text class="label" x="{{cx}}" y="{{label_y}}" text-anchor="middle">{{label}}</text>{{/label}}
          </g>
          {{/bars}}
        </svg>
        """
}
