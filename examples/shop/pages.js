// The shop's two pages. Plain HTML; every value shown comes from the shop itself.
const kroner = (ore) => `${(ore / 100).toFixed(2).replace('.', ',')} kr`;

const layout = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title></head>
<body><h1>Example shop</h1>${body}</body></html>`;

export const productPage = (product) =>
  layout('Example shop', `
<p><span data-testid="product">${product.name}</span>: <span data-testid="price">${kroner(product.price)}</span></p>
<form method="post" action="/buy"><button>Buy with Vipps</button></form>`);

export const orderPage = (order) =>
  layout(`Order ${order.id}`, `
<p>Order <span data-testid="order">${order.id}</span>, ${kroner(order.amount)}: <strong data-testid="status">${order.status}</strong></p>
${order.status === 'paid' ? `<form method="post" action="/orders/${order.id}/ship"><button>Ship</button></form>` : ''}
${order.status === 'shipped' ? `<form method="post" action="/orders/${order.id}/refund"><button>Refund</button></form>` : ''}
<p><a href="/">Back to the shop</a></p>`);
