using MedPay.Api;

await MedPayApi.Build(args).RunAsync();
